export { messages as fleetMessages } from './messages.js';
