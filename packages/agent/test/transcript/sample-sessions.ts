/** Hand-written Claude Code sessions for the parser and matcher tests. */
const lines = (...objects: unknown[]) =>
  objects.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n');

/** Hand-written stream-json in the shape `claude -p --output-format stream-json --verbose` prints (2.1.x). */
export const streamJson = lines(
  { type: 'system', subtype: 'hook_started', hook_event: 'SessionStart', session_id: 's1' },
  {
    type: 'system',
    subtype: 'init',
    cwd: '/w',
    session_id: 's1',
    model: 'claude-x',
    claude_code_version: '2.1.330',
    tools: ['Bash'],
  },
  {
    type: 'assistant',
    session_id: 's1',
    message: {
      id: 'msg_1',
      role: 'assistant',
      content: [
        { type: 'text', text: 'Looking around.' },
        {
          type: 'tool_use',
          id: 'tu_1',
          name: 'Bash',
          input: { command: 'git status --short', description: 'status' },
        },
      ],
    },
  },
  {
    type: 'user',
    session_id: 's1',
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: ' M a.ts', is_error: false }],
    },
  },
  {
    type: 'assistant',
    session_id: 's1',
    message: {
      id: 'msg_2',
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'tu_2', name: 'Bash', input: { command: 'git commit --no-verify -m x' } },
      ],
    },
  },
  {
    type: 'user',
    session_id: 's1',
    message: {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'tu_2',
          is_error: true,
          content:
            'PreToolUse:Bash hook error: factory guard refused [no-verify]: skipping the gates; fix the failure instead',
        },
      ],
    },
    tool_result_meta: [
      {
        id: 'tu_2',
        non_execution_kind: 'permission-rule',
        permission_decision: { decision: 'reject', source: 'hook', reason_type: 'hook' },
      },
    ],
  },
  { type: 'stream_event', event: { type: 'content_block_delta' }, session_id: 's1' },
  { type: 'rate_limit_event', session_id: 's1', info: {} },
  {
    type: 'assistant',
    session_id: 's1',
    message: {
      id: 'msg_3',
      role: 'assistant',
      content: [
        {
          type: 'tool_use',
          id: 'tu_3',
          name: 'Write',
          input: { file_path: '/w/.husky/pre-commit', content: 'exit 0' },
        },
      ],
    },
  },
  {
    type: 'user',
    session_id: 's1',
    message: {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'tu_3',
          is_error: true,
          content:
            'Claude requested permissions to write to /w/.husky/pre-commit, but you have not granted it yet.',
        },
      ],
    },
    tool_result_meta: [
      {
        id: 'tu_3',
        non_execution_kind: 'user-rejected',
        permission_decision: { decision: 'reject', source: 'config' },
      },
    ],
  },
  {
    type: 'assistant',
    session_id: 's1',
    message: {
      id: 'msg_4',
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'tu_4', name: 'Bash', input: { command: '$PROG status' } }],
    },
  },
  {
    // A hook's "ask" in print mode: nobody can confirm, Claude Code reports a config rejection with the
    // hook's reason as the result.
    type: 'user',
    session_id: 's1',
    message: {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'tu_4',
          is_error: true,
          content:
            'factory guard needs the user to confirm this call: rule unanalysable: the program is only known at run time',
        },
      ],
    },
    tool_result_meta: [
      {
        id: 'tu_4',
        non_execution_kind: 'user-rejected',
        permission_decision: { decision: 'reject', source: 'config' },
      },
    ],
  },
  {
    type: 'result',
    subtype: 'success',
    is_error: false,
    num_turns: 4,
    total_cost_usd: 0.0123,
    result: 'I could not commit: the gate must be fixed.',
    session_id: 's1',
    permission_denials: [
      { tool_name: 'Bash', tool_use_id: 'tu_2', tool_input: { command: 'git commit --no-verify -m x' } },
      { tool_name: 'Write', tool_use_id: 'tu_3', tool_input: {} },
      { tool_name: 'Bash', tool_use_id: 'tu_4', tool_input: { command: '$PROG status' } },
    ],
  },
);

/** Hand-written transcript JSONL: one line per content block, chained by parentUuid, extra line types. */
export const transcriptJsonl = lines(
  { type: 'summary', summary: 'Fix the build', leafUuid: 'u9' },
  { type: 'file-history-snapshot', messageId: 'x', snapshot: {} },
  {
    parentUuid: null,
    uuid: 'u1',
    type: 'user',
    sessionId: 's2',
    version: '2.1.330',
    cwd: '/w',
    message: { role: 'user', content: 'fix the build' },
  },
  {
    parentUuid: 'u1',
    uuid: 'u2',
    type: 'assistant',
    sessionId: 's2',
    message: { id: 'msg_a', role: 'assistant', content: [{ type: 'text', text: 'Running the tests.' }] },
  },
  {
    parentUuid: 'u2',
    uuid: 'u3',
    type: 'assistant',
    sessionId: 's2',
    message: {
      id: 'msg_a',
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'tu_a', name: 'Bash', input: { command: 'npm test' } }],
    },
  },
  {
    parentUuid: 'u3',
    uuid: 'u4',
    type: 'user',
    sessionId: 's2',
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'tu_a', content: [{ type: 'text', text: 'ok 1' }] }],
    },
    toolUseResult: { stdout: 'ok 1' },
  },
  {
    parentUuid: 'u4',
    uuid: 'u5',
    type: 'attachment',
    attachment: { type: 'hook_additional_context', content: ['memo'] },
  },
  { parentUuid: 'u5', uuid: 'u6', type: 'some-future-line-type', payload: { anything: true } },
  // A replay of the same block after a resume must not count twice.
  {
    parentUuid: 'u6',
    uuid: 'u7',
    type: 'assistant',
    sessionId: 's2',
    message: {
      id: 'msg_a',
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'tu_a', name: 'Bash', input: { command: 'npm test' } }],
    },
  },
  '{"type": "assistant", "message": {"content": [ truncated',
);
