# syntax=docker/dockerfile:1
# One image recipe for every app of the monorepo; pick the app with the APP build arg:
#   docker build -f docker/app.Dockerfile --build-arg APP=resolver -t esoz-notify/resolver .
# (build context = repository root; docker/app.Dockerfile.dockerignore keeps node_modules,
# dist and local state out of it). The same image also runs migrations:
#   docker run --rm esoz-notify/resolver node dist/libs/database/src/migrate.js
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- all dependencies (dev included: swc builds the code) -----------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# ---- build: swc compiles apps/ and libs/ into dist/ -----------------------------------------
FROM deps AS build
COPY . .
RUN npm run build

# ---- production dependencies only, in a separate stage so the runtime gets no devDeps -------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# ---- runtime --------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG APP
# Fail the build, not the container start, when APP is missing or names no app.
RUN test -n "${APP}" || (echo "build arg APP is required (e.g. --build-arg APP=resolver)" >&2; exit 1)
ENV NODE_ENV=production \
    APP=${APP}
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN test -f "dist/apps/${APP}/src/main.js" || (echo "no dist/apps/${APP}/src/main.js" >&2; exit 1)
USER node
# exec: node replaces the shell as PID 1, so it receives SIGTERM from `docker stop` directly.
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]
