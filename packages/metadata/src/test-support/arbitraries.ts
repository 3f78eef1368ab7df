// fast-check arbitraries for metadata records (tests only; excluded from the build).

import fc from "fast-check";
import { brokerEpoch, leaderEpoch, nodeId, partitionEpoch, producerId } from "@replog/common";
import { incarnationId, topicId, type MetadataRecord } from "../records.js";

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const broker = fc.integer({ min: -1, max: 2 ** 31 - 1 }).map(nodeId);
const brokers = fc.array(broker, { maxLength: 6 });
const uuid = fc.string({ minLength: 0, maxLength: 22 });
const recovery = fc.constantFrom("RECOVERED" as const, "RECOVERING" as const);
const endpoint = fc.record({ name: fc.string(), host: fc.string(), port: fc.integer({ min: 0, max: 65535 }) });

export const arbitraryRecord: fc.Arbitrary<MetadataRecord> = fc.oneof(
  fc.record({
    type: fc.constant("RegisterBrokerRecord" as const),
    brokerId: broker,
    incarnationId: uuid.map(incarnationId),
    brokerEpoch: int64.map(brokerEpoch),
    endpoints: fc.array(endpoint, { maxLength: 3 }),
    rack: fc.option(fc.string(), { nil: null }),
    fenced: fc.boolean(),
    inControlledShutdown: fc.boolean(),
  }),
  fc.record({ type: fc.constant("UnregisterBrokerRecord" as const), brokerId: broker, brokerEpoch: int64.map(brokerEpoch) }),
  fc.record({ type: fc.constant("TopicRecord" as const), name: fc.string(), topicId: uuid.map(topicId) }),
  fc.record({
    type: fc.constant("PartitionRecord" as const),
    topicId: uuid.map(topicId),
    partitionId: int32,
    replicas: brokers,
    isr: brokers,
    leader: broker,
    leaderRecoveryState: recovery,
    leaderEpoch: int32.map(leaderEpoch),
    partitionEpoch: int32.map(partitionEpoch),
  }),
  fc.record({
    type: fc.constant("ConfigRecord" as const),
    resourceType: fc.constantFrom("TOPIC" as const, "BROKER" as const),
    resourceName: fc.string(),
    name: fc.string(),
    value: fc.option(fc.string(), { nil: null }),
  }),
  fc.record(
    {
      type: fc.constant("PartitionChangeRecord" as const),
      topicId: uuid.map(topicId),
      partitionId: int32,
      isr: brokers,
      leader: broker,
      replicas: brokers,
      leaderRecoveryState: recovery,
      uncleanElection: fc.constant(true as const),
    },
    { requiredKeys: ["type", "topicId", "partitionId"] },
  ),
  fc.record({ type: fc.constant("RemoveTopicRecord" as const), topicId: uuid.map(topicId) }),
  fc.record({ type: fc.constant("FeatureLevelRecord" as const), name: fc.string(), featureLevel: int32 }),
  fc.record({
    type: fc.constant("ProducerIdsRecord" as const),
    brokerId: broker,
    brokerEpoch: int64.map(brokerEpoch),
    nextProducerId: int64.map(producerId),
  }),
  fc.record(
    {
      type: fc.constant("BrokerRegistrationChangeRecord" as const),
      brokerId: broker,
      brokerEpoch: int64.map(brokerEpoch),
      fenced: fc.boolean(),
      inControlledShutdown: fc.constant(true as const),
    },
    { requiredKeys: ["type", "brokerId", "brokerEpoch"] },
  ),
  fc.constant({ type: "NoOpRecord" as const }),
);
