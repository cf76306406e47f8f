# syntax=docker/dockerfile:1
# The Slipstream controller. Build: docker build -t slipstream-controller .
# Run:   docker run -p 50051:50051 -p 50052:50052 -v slipstream-data:/data slipstream-controller

# 1. Full dependency set: typecheck the sources so a broken tree never ships.
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck

# 2. Production dependencies only.
FROM node:20-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: sources run through tsx, no compiler or dev tools, non-root.
FROM node:20-slim
ENV NODE_ENV=production \
    SLIPSTREAM_LISTEN=0.0.0.0:50051 \
    SLIPSTREAM_DATA_DIR=/data \
    SLIPSTREAM_HEALTH_ADDR=127.0.0.1:50051
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/proto/gen ./proto/gen
COPY --from=build /src/common ./common
COPY --from=build /src/controller ./controller
# The controller bundles the agent (esbuild) at start and serves it to VMs.
COPY --from=build /src/agent ./agent
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 50051 50052
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "--import", "tsx", "controller/healthcheck.ts"]
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "controller/main.ts"]
