export { messages as agentMessages } from './messages.js';
