// Stable one-line renderings of metadata records, for logs, simulator traces and test transcripts.
// The text is part of the teaching surface: keep it short, ordered and free of undefined fields.

import { unreachable } from "@replog/common";
import type { MetadataRecord } from "./records.js";

const ids = (list: readonly number[]): string => `[${list.join(",")}]`;

export function describeRecord(r: MetadataRecord): string {
  switch (r.type) {
    case "RegisterBrokerRecord": {
      const endpoints = r.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(",");
      const flags = [r.fenced ? "fenced" : "unfenced", ...(r.inControlledShutdown ? ["inControlledShutdown"] : [])];
      return `RegisterBroker broker=${r.brokerId} epoch=${r.brokerEpoch} incarnation=${r.incarnationId} endpoints=[${endpoints}] rack=${r.rack ?? "-"} ${flags.join(" ")}`;
    }
    case "UnregisterBrokerRecord":
      return `UnregisterBroker broker=${r.brokerId} epoch=${r.brokerEpoch}`;
    case "TopicRecord":
      return `Topic name=${r.name} id=${r.topicId}`;
    case "PartitionRecord":
      return (
        `Partition ${r.topicId}-${r.partitionId} replicas=${ids(r.replicas)} isr=${ids(r.isr)} leader=${r.leader} ` +
        `leaderEpoch=${r.leaderEpoch} partitionEpoch=${r.partitionEpoch} ${r.leaderRecoveryState}`
      );
    case "ConfigRecord":
      return `Config ${r.resourceType}:${r.resourceName === "" ? "<default>" : r.resourceName} ${r.name}=${r.value ?? "<deleted>"}`;
    case "PartitionChangeRecord": {
      const parts = [`PartitionChange ${r.topicId}-${r.partitionId}`];
      if (r.isr !== undefined) parts.push(`isr=${ids(r.isr)}`);
      if (r.leader !== undefined) parts.push(`leader=${r.leader}`);
      if (r.replicas !== undefined) parts.push(`replicas=${ids(r.replicas)}`);
      if (r.leaderRecoveryState !== undefined) parts.push(r.leaderRecoveryState);
      if (r.uncleanElection === true) parts.push("UNCLEAN");
      return parts.join(" ");
    }
    case "RemoveTopicRecord":
      return `RemoveTopic id=${r.topicId}`;
    case "FeatureLevelRecord":
      return `FeatureLevel ${r.name}=${r.featureLevel}`;
    case "ProducerIdsRecord":
      return `ProducerIds broker=${r.brokerId} epoch=${r.brokerEpoch} next=${r.nextProducerId}`;
    case "BrokerRegistrationChangeRecord": {
      const parts = [`BrokerRegistrationChange broker=${r.brokerId} epoch=${r.brokerEpoch}`];
      if (r.fenced !== undefined) parts.push(r.fenced ? "fence" : "unfence");
      if (r.inControlledShutdown === true) parts.push("inControlledShutdown");
      return parts.join(" ");
    }
    case "NoOpRecord":
      return "NoOp";
    default:
      return unreachable(r, "metadata record");
  }
}
