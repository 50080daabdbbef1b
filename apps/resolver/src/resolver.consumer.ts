import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { NotificationRequested, PersonSnapshot, Topic } from '@app/contracts';
import { type InboundMessage, RethrowRpcErrorsFilter, type TopicBinding } from '@app/kafka';
import type { InvalidEventService } from './invalid-event.service';
import { NotificationService } from './notification.service';

/** The resolver's topics; an invalid event is answered with REJECTED by `invalidEvents` (contract §11.1). */
export const resolverBindings = (invalidEvents: InvalidEventService): TopicBinding[] => [
  { topic: Topic.Person, schema: PersonSnapshot, allowTombstone: true },
  {
    topic: Topic.NotificationRequested,
    schema: NotificationRequested,
    onInvalid: (messages) => invalidEvents.reject(messages),
  },
];

/** Messages arrive validated against the contract (invalid ones are already in the DLQ, and answered). */
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
