import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { NotificationRequested, PersonSnapshot, Topic } from '@app/contracts';
import { type InboundMessage, RethrowRpcErrorsFilter, type TopicBinding } from '@app/kafka';
import { NotificationService } from './notification.service';

export const RESOLVER_BINDINGS: TopicBinding[] = [
  { topic: Topic.Person, schema: PersonSnapshot, allowTombstone: true },
  { topic: Topic.NotificationRequested, schema: NotificationRequested },
];

/** Messages arrive validated against the contract (invalid ones are already in the DLQ). */
@Controller()
@UseFilters(RethrowRpcErrorsFilter)
export class ResolverConsumer {
  constructor(private readonly notifications: NotificationService) {}

  @EventPattern(Topic.Person)
  onPersons(@Payload() messages: InboundMessage<PersonSnapshot | null>[]): Promise<void> {
    return this.notifications.applyPersons(messages);
  }

  @EventPattern(Topic.NotificationRequested)
  onRequests(@Payload() messages: InboundMessage<NotificationRequested>[]): Promise<void> {
    return this.notifications.acceptRequests(messages.map((message) => message.value));
  }
}
