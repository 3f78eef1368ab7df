// The client's connection to one broker: a gRPC channel (with keepalive from CHANNEL_OPTIONS, so a
// paused or black-holed leader is noticed in seconds), one long-lived Produce stream and one Fetch
// stream multiplexed by correlation id, and unary calls for Metadata, ListOffsets and the
// BrokerAdmin service. Owned by the Cluster; used by the producer's sender, the consumer's
// fetcher and the admin client.
import * as grpc from "@grpc/grpc-js";
import { CHANNEL_OPTIONS, loadProtos } from "@replog/protocol";
import { CorrelatedStream, type OpenStream } from "./correlated-stream.js";
import { ReplogConnectionError, ReplogError, ReplogRequestTimeoutError } from "./errors.js";
import type { Timers } from "./timers.js";
import type {
  FetchRequestWire,
  FetchResponseWire,
  InitProducerIdResponseWire,
  ListOffsetsRequestWire,
  ListOffsetsResponseWire,
  MetadataResponseWire,
  ProduceRequestWire,
  ProduceResponseWire,
} from "./wire.js";

interface Services {
  Broker: grpc.ServiceClientConstructor;
  BrokerAdmin: grpc.ServiceClientConstructor;
}

let services: Services | undefined;
function brokerServices(): Services {
  if (!services) {
    const pkg = grpc.loadPackageDefinition(loadProtos()) as unknown as { replog: { broker: { v1: Services } } };
    services = pkg.replog.broker.v1;
  }
  return services;
}

type UnaryMethod = (req: unknown, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => grpc.ClientUnaryCall;
type DuplexMethod = () => grpc.ClientDuplexStream<unknown, unknown>;

export interface ConnectionOptions {
  clientId: string;
  /** Kafka max.in.flight.requests.per.connection: the bound of each stream's window. */
  maxInFlightRequests: number;
  timers: Timers;
}

/** The admin methods of the BrokerAdmin service (forwarded to the active controller). */
export type AdminMethod = "CreateTopics" | "DeleteTopics" | "CreatePartitions" | "IncrementalAlterConfigs" | "ElectLeaders" | "DescribeQuorum";

export class BrokerConnection {
  private readonly broker: grpc.Client;
  private readonly admin: grpc.Client;
  private readonly produceStream: CorrelatedStream<ProduceRequestWire, ProduceResponseWire>;
  private readonly fetchStream: CorrelatedStream<FetchRequestWire, FetchResponseWire>;

  constructor(
    readonly nodeId: number,
    readonly address: string,
    private readonly options: ConnectionOptions,
  ) {
    const { Broker, BrokerAdmin } = brokerServices();
    const credentials = grpc.credentials.createInsecure();
    this.broker = new Broker(address, credentials, CHANNEL_OPTIONS);
    // Same address and options: grpc-js shares one subchannel (one TCP connection) between them.
    this.admin = new BrokerAdmin(address, credentials, CHANNEL_OPTIONS);
    this.produceStream = new CorrelatedStream(address, this.opener("Produce"), options.timers, options.maxInFlightRequests);
    this.fetchStream = new CorrelatedStream(address, this.opener("Fetch"), options.timers, options.maxInFlightRequests);
  }

  /**
   * True after a transport failure (broken stream, timeout) until the next answer: the cluster
   * asks such a broker for metadata last, so a paused broker does not hold up a failover.
   */
  suspect = false;

  produce(body: Omit<ProduceRequestWire, "correlationId" | "clientId">, timeoutMs: number): Promise<ProduceResponseWire | undefined> {
    return this.track(this.produceStream.request({ ...body, clientId: this.options.clientId }, timeoutMs, body.acks !== 0));
  }

  async fetch(body: Omit<FetchRequestWire, "correlationId" | "clientId">, timeoutMs: number): Promise<FetchResponseWire> {
    const res = await this.track(this.fetchStream.request({ ...body, clientId: this.options.clientId }, timeoutMs));
    return res!;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    return p.then(
      (v) => {
        this.suspect = false;
        return v;
      },
      (e: unknown) => {
        if (e instanceof ReplogError && (e.type === "NETWORK_EXCEPTION" || e.type === "REQUEST_TIMED_OUT")) this.suspect = true;
        throw e;
      },
    );
  }

  metadata(topics: readonly string[], timeoutMs: number): Promise<MetadataResponseWire> {
    return this.unary<MetadataResponseWire>(this.broker, "Metadata", { topics }, timeoutMs);
  }

  listOffsets(req: ListOffsetsRequestWire, timeoutMs: number): Promise<ListOffsetsResponseWire> {
    return this.unary<ListOffsetsResponseWire>(this.broker, "ListOffsets", req, timeoutMs);
  }

  /** Kafka InitProducerId: an idempotent producer's id and epoch (no transactional id). */
  initProducerId(timeoutMs: number): Promise<InitProducerIdResponseWire> {
    return this.unary<InitProducerIdResponseWire>(this.broker, "InitProducerId", { transactionalId: "" }, timeoutMs);
  }

  adminCall<Res>(method: AdminMethod, req: unknown, timeoutMs: number): Promise<Res> {
    return this.unary<Res>(this.admin, method, req, timeoutMs);
  }

  /** Requests in flight on the produce stream (for tests and instrumentation). */
  get produceInflight(): number {
    return this.produceStream.inflight;
  }

  close(): void {
    this.produceStream.close();
    this.fetchStream.close();
    this.broker.close();
    this.admin.close();
  }

  private unary<Res>(client: grpc.Client, method: string, req: unknown, timeoutMs: number): Promise<Res> {
    const fn = (client as unknown as Record<string, UnaryMethod>)[method]!;
    return this.track(
      new Promise<Res>((resolve, reject) => {
        fn.call(client, req, { deadline: Date.now() + timeoutMs }, (err, res) => {
          if (err) reject(this.transportError(method, err, timeoutMs));
          else resolve(res as Res);
        });
      }),
    );
  }

  private opener(method: "Produce" | "Fetch"): OpenStream<never, never> {
    return ((handlers: { onMessage(m: unknown): void; onClose(e: Error): void }) => {
      const call = (this.broker as unknown as Record<string, DuplexMethod>)[method]!.call(this.broker);
      let done = false;
      const finish = (error: Error) => {
        if (done) return;
        done = true;
        handlers.onClose(error);
      };
      call.on("data", (m: unknown) => handlers.onMessage(m));
      call.on("error", (e: grpc.ServiceError) => finish(this.transportError(method, e, 0)));
      call.on("end", () => finish(new Error("the broker ended the stream")));
      return {
        write: (m: unknown) => call.write(m),
        close: () => {
          done = true;
          call.cancel();
        },
      };
    }) as unknown as OpenStream<never, never>;
  }

  /** gRPC status codes mean transport failures only (DESIGN.md section 5). */
  private transportError(method: string, err: grpc.ServiceError, timeoutMs: number): ReplogError {
    if (err.code === grpc.status.DEADLINE_EXCEEDED) return new ReplogRequestTimeoutError(this.address, timeoutMs);
    if (err.code === grpc.status.UNIMPLEMENTED) {
      return new ReplogError("UNSUPPORTED_VERSION", `${this.address} does not serve ${method}`, { retriable: false });
    }
    return new ReplogConnectionError(this.address, `${method}: ${err.details || err.message}`, err);
  }
}
