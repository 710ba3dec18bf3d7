// The OpenAPI document, generated from the routes' schemas, at /api/docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { publicByDefault } from './access.ts';

export async function installDocs(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Patient portal API',
        version: '0.1.0',
        description:
          'JSON API of the patient portal. Errors always have the shape {"error":{"code","message","details"}}.',
      },
    },
  });
  await app.register(async (scope) => {
    publicByDefault(scope);
    await scope.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  });
}
