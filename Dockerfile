# syntax=docker/dockerfile:1
# The Webalytic image: one image for every service; the command picks it
# (`start`, `collector`, `projections run`, `read-api`; see docker-compose.yml).
#
#   docker build -t webalytic:local .
#   docker run --rm -p 8080:8080 -v webalytic-data:/data webalytic:local      # all in one, embedded stores
#
# Stage 1 installs the production dependencies (native better-sqlite3 built or fetched
# for this platform); stage 2 installs everything and builds the dashboard with Vite (a
# dev dependency); the runtime gets the sources, the built dashboard and the production
# node_modules only, and runs as the unprivileged `node` user. TypeScript runs through
# tsx (a production dependency), so there is no compile step.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
# The toolchain is the fallback when no prebuilt better-sqlite3 binary matches the platform.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM dependencies AS build
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx vite build --config ui/vite.config.ts \
 && npx tsc -p tsconfig.json --noEmit \
 && rm -rf node_modules

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    WEBALYTIC_DATA_DIR=/data \
    PORT=8080 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=root:root /app /app
COPY --from=dependencies --chown=root:root /app/node_modules /app/node_modules
# The code belongs to root and is read-only for the service; only the data dir is writable.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=4s --start-period=10s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM goes to Node itself, which drains and stops (docs/deploy.md, "Stopping").
ENTRYPOINT ["node", "bin/webalytic.js"]
CMD ["start"]
