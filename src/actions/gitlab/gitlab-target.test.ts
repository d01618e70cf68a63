import { describe, expect, it } from 'vitest';
import { findGitlabEvent, resolveGitlabTarget } from './gitlab-target.js';

const issueEvent = {
  gitlab: { event: 'Issue Hook', project: 'ops/infra', project_id: 14, event_uuid: 'uuid-1' },
  issue: { iid: 23, title: 'rsyslog is down' },
};
const alert = { alert: { labels: { instance: 'web01' } } };

describe('resolveGitlabTarget', () => {
  it('defaults project and issue to the matched GitLab event and keeps its event UUID', () => {
    expect(resolveGitlabTarget({}, { m: issueEvent })).toEqual({ project: '14', projectSegment: '14', issue: 23, eventUuid: 'uuid-1' });
  });

  it('takes explicit ids and paths, URL-encoding paths, and still sends the event UUID', () => {
    expect(resolveGitlabTarget({ project: 'ops/infra', issue: '7' }, { m: issueEvent })).toEqual({
      project: 'ops/infra',
      projectSegment: 'ops%2Finfra',
      issue: 7,
      eventUuid: 'uuid-1',
    });
    expect(resolveGitlabTarget({ project: 99, issue: 1 }, { m: alert })).toEqual({ project: '99', projectSegment: '99', issue: 1 });
  });

  it("borrows the event's issue only for the event's own project", () => {
    expect(resolveGitlabTarget({ project: 'ops/infra' }, { m: issueEvent })).toMatchObject({ issue: 23 });
    expect(resolveGitlabTarget({ project: '14' }, { m: issueEvent })).toMatchObject({ issue: 23 });
    expect(resolveGitlabTarget({ project: 'other/repo' }, { m: issueEvent })).toBe('"issue" is required when "project" (other/repo) is not the matched event\'s project');
    expect(resolveGitlabTarget({ issue: 5 }, { m: issueEvent })).toMatchObject({ project: '14', issue: 5 });
  });

  it('needs explicit arguments when no GitLab event matched', () => {
    expect(resolveGitlabTarget({ issue: 5 }, { m: alert })).toBe('"project" is required when the matched event is not a GitLab event');
    const pipeline = { gitlab: { project: 'ops/infra', project_id: 14, event_uuid: null } };
    expect(resolveGitlabTarget({}, { m: pipeline })).toBe('"issue" is required when the matched event is not about a GitLab issue');
  });

  it('rejects malformed project and issue values', () => {
    expect(resolveGitlabTarget({ project: 'infra', issue: 1 }, {})).toBe('"project" must be a project id or a "group/project" path, found "infra"');
    expect(resolveGitlabTarget({ project: 1, issue: 0 }, {})).toBe('"issue" must be a positive issue number (iid), found 0');
    expect(resolveGitlabTarget({ project: 1, issue: '#3' }, {})).toBe('"issue" must be a positive issue number (iid), found "#3"');
  });
});

describe('findGitlabEvent', () => {
  it('uses the first GitLab event in binding order (m, then m_0, m_1, … numerically)', () => {
    const second = { gitlab: { project_id: 2, project: 'a/b', event_uuid: 'u2' }, issue: { iid: 2 } };
    const tenth = { gitlab: { project_id: 10, project: 'a/c', event_uuid: 'u10' }, issue: { iid: 10 } };
    expect(findGitlabEvent({ m_10: tenth, m_0: alert, m_2: second })).toEqual({ projectId: 2, projectPath: 'a/b', issueIid: 2, eventUuid: 'u2' });
    expect(findGitlabEvent({ m: alert })).toBeUndefined();
  });
});
