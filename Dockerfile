# syntax=docker/dockerfile:1
# The Slipstream controller. Build: docker build -t slipstream-controller .
# Run:   docker run -p 50051:50051 -p 50052:50052 -v slipstream-data:/data \
#          -e SLIPSTREAM_PUBLIC_ADDRESS=controller.example.com slipstream-controller
# The built JavaScript runs on Node.js 24 (LTS); the code also runs on Node.js 20.19+ (engines in package.json).

# 1. Full dependency set: typecheck the sources (a broken tree never ships), then build dist/ (plain JavaScript,
#    the agent bundle, the client's type declarations).
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck && npm run build

# 2. Production dependencies only: no TypeScript, tsx or esbuild at run time.
FROM node:24-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: the built code, non-root.
FROM node:24-slim
ENV NODE_ENV=production \
    SLIPSTREAM_LISTEN=0.0.0.0:50051 \
    SLIPSTREAM_DATA_DIR=/data
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
# The database (SQLite by default), the credential key, the TLS CA and certificate, reports: keep it.
VOLUME ["/data"]
EXPOSE 50051 50052
# The gRPC health service over TLS, trusting the CA in /data/tls (SLIPSTREAM_HEALTH_CA for another one).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "dist/controller/healthcheck.js"]
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=64", "dist/controller/main.js"]
