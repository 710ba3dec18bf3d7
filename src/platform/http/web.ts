// Serves the built React app (dist/web) from the same origin as the API.
// Any other GET outside /api returns index.html so client-side routes load.
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { publicByDefault } from './access.ts';

export const WEB_ROOT = path.resolve(import.meta.dirname, '../../../dist/web');

export async function installWeb(app: FastifyInstance, root = WEB_ROOT) {
  const built = fs.existsSync(path.join(root, 'index.html'));
  // One scope for the files and the catch-all: `reply.sendFile` exists only
  // where @fastify/static is registered.
  await app.register(async (scope) => {
    publicByDefault(scope);
    if (built)
      await scope.register(fastifyStatic, {
        root,
        wildcard: false,
        index: false,
        setHeaders(reply, file) {
          // Built assets carry a content hash in their name, so they never change.
          const immutable = file.includes(`${path.sep}assets${path.sep}`);
          reply.header(
            'cache-control',
            immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      });
    scope.get('/*', { config: { access: 'public' }, schema: { hide: true } }, (req, reply) => {
      // API paths and missing files (an old hashed asset after a deploy) get a
      // real 404, not the app's HTML in place of a script.
      const path = req.url.split('?')[0] ?? '';
      if (path.startsWith('/api/') || /\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
      if (!built)
        return reply
          .status(503)
          .type('text/plain')
          .send('The web app is not built yet: run `npm run build` (npm start does it for you).');
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  });
}
