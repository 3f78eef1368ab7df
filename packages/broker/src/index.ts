// @replog/broker: Broker: pure partition core plus shells (replica manager, fetchers, purgatory, gRPC handlers, metadata loader).
export {};
