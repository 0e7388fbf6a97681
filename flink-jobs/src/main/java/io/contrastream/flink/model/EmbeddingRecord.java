package io.contrastream.flink.model;

/**
 * The embedding of one input record, stamped with the model version that produced it (the Avro
 * {@code Embedding} on the wire).
 *
 * <pre>{@code
 * EmbeddingRecord e = new EmbeddingRecord();   // as EmbedderOperator emits it
 * e.recordId = "img-1"; e.modelId = "default"; e.modelVersion = 3; e.vector = h[k];
 * Embedding value = e.toAvro();                // what the embeddings topic carries (OutputGuard, KafkaSink)
 * }</pre>
 */
public class EmbeddingRecord {
    public String recordId;
    public String source;
    public long eventTime;
    public String modelId;
    public long modelVersion;
    public int label = -1;
    public float[] vector;

    public EmbeddingRecord() {}

    public io.contrastream.connectors.format.avro.Embedding toAvro() {
        java.util.List<Float> v = new java.util.ArrayList<>(vector.length);
        for (float f : vector) {
            v.add(f);
        }
        return io.contrastream.connectors.format.avro.Embedding.newBuilder().setRecordId(recordId).setSource(source)
                .setEventTime(java.time.Instant.ofEpochMilli(eventTime)).setModelId(modelId)
                .setModelVersion(modelVersion).setVector(v).build();
    }
}
