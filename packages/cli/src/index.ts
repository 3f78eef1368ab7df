// @replog/cli: The replog executable: server, dev, and the Kafka-tool-shaped commands.
export {};
