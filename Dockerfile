# autoheal: the engine with ansible-core for local playbook runs. Build context is this
# repository; the image runs `autoheal run` (see docker-compose.yml for Redis and the config).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm install --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ansible tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY rulebooks ./rulebooks
COPY playbooks ./playbooks
COPY examples ./examples
USER node
# The same V8 flag as the autoheal bin's shebang (src/cli/main.ts says why).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=32", "/app/dist/src/cli/main.js"]
CMD ["run", "-r", "rulebooks/alertmanager-disk-full.yml"]
