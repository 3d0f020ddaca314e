# fedage for a real federation: one image for the aggregator (`serve`) and every site (`site`).
# node:20 slim, production dependencies only, non-root user; nothing is downloaded at start.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts
COPY src ./src
COPY test ./test
COPY perf ./perf
COPY scripts ./scripts
COPY scenarios ./scenarios
# tsc, the one-file `fedage site` bundle (scripts/bundle-site.mjs; esbuild ships its binary as an
# npm package), the CLI bundle (scripts/bundle-cli.mjs) and the index of the shipped scenarios
# (scripts/index-scenarios.mjs).
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY bin ./bin
COPY proto ./proto
COPY schema ./schema
COPY scenarios ./scenarios
COPY fidelity ./fidelity
USER node
EXPOSE 50051
ENTRYPOINT ["node", "/app/bin/fedage.js"]
CMD ["--help"]
