/**
 * The JSON schema of an eval scenario file. Each expectation is an object with exactly one key, so that a
 * mistake gets a precise error ("unexpected property", "expected string") rather than a oneOf soup.
 */
const valueMatcher = {
  anyOf: [
    { type: ['string', 'number', 'boolean'] },
    {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 2,
      properties: {
        equals: {},
        contains: { type: 'string' },
        regex: { type: 'string', format: 'regex' },
        flags: { type: 'string', pattern: '^[imsu]*$' },
        absent: { const: true },
      },
    },
  ],
};

const toolCallMatcher = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tool: {
      anyOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'object',
          additionalProperties: false,
          required: ['regex'],
          properties: { regex: { type: 'string', format: 'regex' } },
        },
      ],
    },
    input: { type: 'object', additionalProperties: valueMatcher },
  },
};

const expectation = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    toolCall: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...toolCallMatcher.properties,
        times: {
          type: 'object',
          additionalProperties: false,
          properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } },
        },
      },
    },
    noToolCall: toolCallMatcher,
    order: { type: 'array', minItems: 2, items: toolCallMatcher },
    noRefusals: { const: true },
    refusedBy: {
      anyOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'object',
          additionalProperties: false,
          required: ['rule'],
          properties: { rule: { type: 'string', minLength: 1 }, tool: toolCallMatcher },
        },
      ],
    },
    shell: {
      anyOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'object',
          additionalProperties: false,
          required: ['run'],
          properties: { run: { type: 'string', minLength: 1 }, exitCode: { type: 'integer' } },
        },
      ],
    },
    maxTurns: { type: 'integer', minimum: 1 },
    finalText: valueMatcher,
    modelSaw: { type: 'string', minLength: 1 },
  },
};

const scriptStep = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    tool: { type: 'string', minLength: 1 },
    input: { type: 'object' },
    text: { type: 'string' },
  },
  dependencies: { tool: ['input'], input: ['tool'] },
};

export const scenarioSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://factory.invalid/schemas/eval-scenario.json',
  title: 'factory eval scenario',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'prompt', 'expect'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 100 },
    description: { type: 'string' },
    prompt: { type: 'string', minLength: 1 },
    skills: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' }, uniqueItems: true },
    rules: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
    setup: {
      type: 'object',
      additionalProperties: false,
      properties: {
        fixture: { type: 'string', minLength: 1 },
        commands: { type: 'array', items: { type: 'string', minLength: 1 } },
        guard: { type: 'boolean' },
        memory: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['text'],
            properties: {
              text: { type: 'string', minLength: 1 },
              tags: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    expect: { type: 'array', minItems: 1, items: expectation },
    runs: { type: 'integer', minimum: 1, maximum: 100 },
    threshold: { type: 'number', minimum: 0, maximum: 1 },
    k: { type: 'integer', minimum: 1 },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxTurns: { type: 'integer', minimum: 1 },
        maxCostUsd: { type: 'number', exclusiveMinimum: 0 },
        timeoutSeconds: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    allowedTools: { type: 'array', items: { type: 'string', minLength: 1 } },
    script: { type: 'array', minItems: 1, items: scriptStep },
  },
} as const;
