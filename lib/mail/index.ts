/** Mail transports: the local outbox (default) and Azure Communication Services Email. */
export { AcsTransport, type AcsTransportOptions } from "./acs.js";
export { OutboxTransport, readOutbox, type OutboxMessage, type OutboxTransportOptions } from "./outbox.js";
export { checkMailMessage, type MailMessage, type MailSendResult, type MailTransport } from "./types.js";
