// The whole cluster metadata at one point of the metadata log (Kafka MetadataImage). Immutable:
// brokers hand it to publishers, which must not change it; a MetadataDelta builds the next one and
// shares every sub-image it did not touch.

import { logIndex, term, type LogIndex, type Term } from "@replog/common";
import { ClusterImage } from "./image/cluster-image.js";
import { ConfigsImage } from "./image/configs-image.js";
import { FeaturesImage } from "./image/features-image.js";
import { ProducerIdsImage } from "./image/producer-ids-image.js";
import { TopicsImage } from "./image/topics-image.js";

/** Where an image stands in the metadata log (Kafka MetadataProvenance). */
export interface MetadataProvenance {
  /** Raft index of the last record this image contains; 0 = none. */
  readonly lastIndex: LogIndex;
  /** Raft term of that record. */
  readonly lastTerm: Term;
}

export const EMPTY_PROVENANCE: MetadataProvenance = Object.freeze({ lastIndex: logIndex(0), lastTerm: term(0) });

export class MetadataImage {
  static readonly EMPTY = new MetadataImage(
    EMPTY_PROVENANCE,
    FeaturesImage.EMPTY,
    ClusterImage.EMPTY,
    TopicsImage.EMPTY,
    ConfigsImage.EMPTY,
    ProducerIdsImage.EMPTY,
  );

  constructor(
    readonly provenance: MetadataProvenance,
    readonly features: FeaturesImage,
    readonly cluster: ClusterImage,
    readonly topics: TopicsImage,
    readonly configs: ConfigsImage,
    readonly producerIds: ProducerIdsImage,
  ) {}

  /** True when the image holds no state at all (its provenance aside). */
  isEmpty(): boolean {
    return this.features.isEmpty() && this.cluster.isEmpty() && this.topics.isEmpty() && this.configs.isEmpty() && this.producerIds.isEmpty();
  }

  /** A stable multi-line rendering: same image, same text. */
  describe(): string {
    const sections = [
      `image lastIndex=${this.provenance.lastIndex} lastTerm=${this.provenance.lastTerm}`,
      this.features.describe(),
      this.cluster.describe(),
      this.topics.describe(),
      this.configs.describe(),
      this.producerIds.describe(),
    ];
    return sections.filter((s) => s !== "").join("\n");
  }
}
