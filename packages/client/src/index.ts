// @replog/client: @replog/client: Producer, Consumer and Admin in KafkaJS's shape.
export {};
