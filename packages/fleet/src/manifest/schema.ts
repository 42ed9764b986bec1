import reviewSchema from '@factory/core/config/schema/review.schema.json' with { type: 'json' };

export { reviewSchema };

/** The longest time limit a sweep accepts for one repository, in seconds: one day. */
export const MAX_TIMEOUT_SECONDS = 86_400;

const review = { $ref: reviewSchema.$id } as const;

/** The manifest's JSON schema: `$FACTORY_HOME/repos.yaml`, the repositories that sweep and review cover. */
export const manifestSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://factory.invalid/schema/repos.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    version: { type: 'integer', enum: [1] },
    defaults: {
      type: 'object',
      additionalProperties: false,
      properties: {
        forge: { type: 'string', enum: ['github', 'gitlab'] },
        defaultBranch: { type: 'string', minLength: 1 },
        tags: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
        // At most a day: a longer time limit is no limit, and timers overflow past 24.8 days (2^31 ms).
        timeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: MAX_TIMEOUT_SECONDS },
        review,
      },
    },
    repositories: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          path: { type: 'string', minLength: 1 },
          name: { type: 'string', minLength: 1 },
          url: { type: 'string', minLength: 1 },
          forge: { type: 'string', enum: ['github', 'gitlab'] },
          project: { type: 'string', minLength: 1 },
          defaultBranch: { type: 'string', minLength: 1 },
          tags: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
          review,
        },
      },
    },
  },
} as const;
