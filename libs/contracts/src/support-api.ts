/**
 * The resolver's support API (architecture.md §11.2), as the support console reads it. JSON over HTTP with
 * `Authorization: Bearer <SUPPORT_TOKEN>`; phones only ever masked, codes never.
 */

export interface SupportRecipient {
  personId: string;
  role: 'SUBJECT' | 'REPRESENTATIVE';
  maskedPhone?: string;
}

/** One item of `GET /notifications?phone=|number=|personId=`. */
export interface SupportSearchItem {
  eventId: string;
  type: string;
  occurredAt: string;
  /** The terminal status, or the latest one while not terminal; null while nothing was announced yet. */
  status: string | null;
  channel?: string;
  reason?: string;
  /** Null when nobody was chosen (unknown person, no authentication method, ...). */
  recipient: SupportRecipient | null;
}

export interface SupportSearchResult {
  items: SupportSearchItem[];
}

export interface SupportTimelineEntry {
  status: string;
  channel: string | null;
  reason: string | null;
  recipient: SupportRecipient | null;
  at: string;
}

export interface SupportDelivery {
  channel: string;
  state: string;
  step: number | null;
  attempts: number;
  lastError: string | null;
  lateReport: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface SupportExplanationStep {
  stage: 'INFORM_WITH' | 'DEFAULT_ORDER';
  methodId: string;
  type?: string;
  confidantPersonId?: string;
  verdict: 'CHOSEN' | 'REJECTED';
  why: string;
  confidantMethodType?: string;
}

export interface SupportDecision {
  outcome: 'RESOLVED' | 'SKIPPED' | 'FAILED';
  reason?: string;
  recipient?: SupportRecipient & { hasTaxId?: boolean };
  method?: { id: string; type: 'OTP' | 'OFFLINE'; via?: string; alias?: string };
  plan: string[];
  explanation: SupportExplanationStep[];
}

/** `GET /notifications/{eventId}`. */
export interface SupportNotificationDetail {
  eventId: string;
  notificationId?: string;
  type?: string;
  /** The e-Rx / referral number, when the event has one. */
  number?: string;
  subjectPersonId?: string;
  /** The terminal status once there is one, else the latest status, else the resolver's own state. */
  state?: string;
  occurredAt?: string;
  expiresAt?: string;
  receivedAt?: string;
  resolvedAt?: string;
  decision: SupportDecision | null;
  deliveries: SupportDelivery[];
  timeline: SupportTimelineEntry[];
  /** The information slip, for patients without a phone. */
  slip: { readyAt: string; printedAt: string | null } | null;
}

/** `GET /support/overview?hours=24`. */
export interface SupportOverview {
  since: string;
  until: string;
  /** Terminal statuses in the window, by status and channel (channel `NONE` when nothing was sent). */
  terminal: { status: string; channel: string; count: number }[];
  /** Fallbacks in the window by the channel that failed and the reason. */
  fallbacks: { channel: string; reason: string; count: number }[];
  /** Events that reached a terminal status in the window: the base of the fallback rate. */
  finished: number;
  /** Seconds from receipt to DELIVERED, per channel and overall (`ALL`). */
  timeToDelivery: { channel: string; count: number; p50Seconds: number; p95Seconds: number }[];
}
