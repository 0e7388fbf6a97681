package io.contrastream.flink.model;

/**
 * The embedding of one input record, stamped with the model version that produced it (the Avro
 * {@code Embedding} on the wire).
 *
 * <pre>{@code
 * sink.write(EmbeddingRecord.toAvro(e));
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
