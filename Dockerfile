# flowhound from this checkout: `docker build -t flowhound .` (see docs/recipes.md).
# Build stage: npm ci installs the locked dependencies and builds dist/ (the prepare step).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci --no-audit --no-fund
RUN npm prune --omit=dev --no-audit --no-fund

# Runtime: node, the production dependencies, dist/ and the shipped model.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY models ./models
USER node
# The CLI runs through its shebang, which carries its V8 flags (src/cli/main.ts).
ENTRYPOINT ["/app/dist/cli/main.js"]
CMD ["--help"]
