export { countSmsSegments, fitsOneSms, SMS_LIMITS } from './sms-segments';
export type { SmsEncoding, SmsSegmentInfo } from './sms-segments';
export { renderMessage, requiredFields } from './templates';
export type { RenderedMessage } from './templates';
export {
  formatDate,
  formatPatientShortName,
  NOTIFICATION_TYPES,
  RECIPIENT_ROLES,
  TemplateInputError,
} from './message-input';
export type {
  FieldNeeds,
  MessageInput,
  NotificationType,
  RecipientRole,
  TemplateInputErrorCode,
} from './message-input';
export { TEXT_LIMITS, truncateText } from './limits';
export { redactSecrets } from './redaction';
