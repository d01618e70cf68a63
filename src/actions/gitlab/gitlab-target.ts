/**
 * @module Which issue a gitlab_* action writes to. Explicit `project`/`issue` arguments win;
 * missing ones come from the matched GitLab event (src/sources/gitlab/normalize-gitlab.ts:
 * `gitlab.project_id`, `gitlab.project`, `issue.iid`, `gitlab.event_uuid`). With several matched
 * events (`m_0`, `m_1`, …) the first GitLab event in binding order is used (`m` first).
 *
 * The event's `issue.iid` is only borrowed when the project is that event's project: `issue: 5`
 * alone means issue 5 of the event's project, but `project: other/repo` without `issue` does not
 * silently point at an unrelated issue number.
 *
 * The event UUID (`X-Gitlab-Event-UUID`) is sent back whenever a GitLab event was matched, even
 * when the target is explicit: every call made while handling a hook is part of its chain, and
 * GitLab uses it to stop the echo hook from coming back to autoheal (wire-formats.md §2.6).
 */

export interface GitlabTarget {
  /** Path segment for `:id`: a numeric id, or the URL-encoded `group/project` path. */
  readonly projectSegment: string;
  /** For humans: `14` or `ops/infra`. */
  readonly project: string;
  readonly issue: number;
  /** The matched event's `X-Gitlab-Event-UUID`, to send back. */
  readonly eventUuid?: string;
}

interface GitlabEventFacts {
  readonly projectId?: number;
  readonly projectPath?: string;
  readonly issueIid?: number;
  readonly eventUuid?: string;
}

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first GitLab event among the bindings (`m`, then `m_0`, `m_1`, … in numeric order). */
export function findGitlabEvent(bindings: Readonly<Record<string, Readonly<Record<string, unknown>>>>): GitlabEventFacts | undefined {
  const order = (name: string): number => {
    if (name === 'm') return -1;
    const n = /^m_(\d+)$/.exec(name);
    return n === null ? Number.MAX_SAFE_INTEGER : Number(n[1]);
  };
  const names = Object.keys(bindings).sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  for (const name of names) {
    const event = bindings[name];
    const gitlab = event?.gitlab;
    if (!isRecord(gitlab)) continue;
    const issue = event?.issue;
    const facts: GitlabEventFacts = {
      ...(typeof gitlab.project_id === 'number' ? { projectId: gitlab.project_id } : {}),
      ...(typeof gitlab.project === 'string' && gitlab.project !== '' ? { projectPath: gitlab.project } : {}),
      ...(isRecord(issue) && typeof issue.iid === 'number' ? { issueIid: issue.iid } : {}),
      ...(typeof gitlab.event_uuid === 'string' && gitlab.event_uuid !== '' ? { eventUuid: gitlab.event_uuid } : {}),
    };
    return facts;
  }
  return undefined;
}

/** Resolves the target issue from rendered `project`/`issue` args and the matched events; a string is the problem. */
export function resolveGitlabTarget(
  args: Readonly<Record<string, unknown>>,
  bindings: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): GitlabTarget | string {
  const event = findGitlabEvent(bindings);
  const uuid = event?.eventUuid === undefined ? {} : { eventUuid: event.eventUuid };

  let project: string;
  let projectSegment: string;
  let sameProjectAsEvent: boolean;
  const rawProject = args.project;
  if (rawProject === undefined || rawProject === null) {
    const fromEvent = event?.projectId ?? event?.projectPath;
    if (fromEvent === undefined) return '"project" is required when the matched event is not a GitLab event';
    project = String(fromEvent);
    projectSegment = encodeURIComponent(project);
    sameProjectAsEvent = true;
  } else if (typeof rawProject === 'number' && Number.isInteger(rawProject) && rawProject > 0) {
    project = String(rawProject);
    projectSegment = project;
    sameProjectAsEvent = event?.projectId === rawProject;
  } else if (typeof rawProject === 'string' && /^[1-9]\d*$/.test(rawProject)) {
    project = rawProject;
    projectSegment = rawProject;
    sameProjectAsEvent = event?.projectId === Number(rawProject);
  } else if (typeof rawProject === 'string' && /^[^/\s]+(\/[^/\s]+)+$/.test(rawProject)) {
    project = rawProject;
    projectSegment = encodeURIComponent(rawProject);
    sameProjectAsEvent = event?.projectPath === rawProject;
  } else {
    return `"project" must be a project id or a "group/project" path, found ${JSON.stringify(rawProject)}`;
  }

  let issue: number;
  const rawIssue = args.issue;
  if (rawIssue === undefined || rawIssue === null) {
    if (event?.issueIid === undefined || !sameProjectAsEvent) {
      return sameProjectAsEvent
        ? '"issue" is required when the matched event is not about a GitLab issue'
        : `"issue" is required when "project" (${project}) is not the matched event's project`;
    }
    issue = event.issueIid;
  } else if (typeof rawIssue === 'number' && Number.isInteger(rawIssue) && rawIssue > 0) {
    issue = rawIssue;
  } else if (typeof rawIssue === 'string' && /^[1-9]\d*$/.test(rawIssue)) {
    issue = Number(rawIssue);
  } else {
    return `"issue" must be a positive issue number (iid), found ${JSON.stringify(rawIssue)}`;
  }
  return { project, projectSegment, issue, ...uuid };
}
