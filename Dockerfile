# Container image of the Kontroler controller and API. Not built in CI (no container engine there); the build
# stage runs the same npm scripts that CI runs.
# docker build -t kontroler .      docker run kontroler node apps/controller/dist/main.js --help
# The API: node apps/api/dist/main.js with KONTROLER_RUNTIME=none (deploy/api). The image is in production mode,
# so neither app starts with the host-process runtime unless KONTROLER_ALLOW_PROCESS_RUNTIME=true.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json lerna.json tsconfig*.json ./
COPY packages packages
COPY apps apps
COPY examples examples
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm run build -w @kontroler/console \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production KONTROLER_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /src /app
USER node
EXPOSE 8080 9090
CMD ["node", "apps/controller/dist/main.js"]
