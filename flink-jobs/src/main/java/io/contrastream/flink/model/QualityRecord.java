package io.contrastream.flink.model;

/**
 * The online quality of one model version after {@code records} scored labelled embeddings (the Avro
 * {@code Quality} on the wire), as {@code OnlineEvaluator} emits it.
 *
 * <pre>{@code
 * QualityRecord q = new QualityRecord();
 * q.modelId = "moco-v2"; q.modelVersion = 3; q.records = 256; q.knnTop1 = 0.61;
 * Quality value = q.toAvro();                 // what the quality topic carries (OutputGuard, KafkaSink)
 * }</pre>
 */
public class QualityRecord {
    public String modelId;
    public long modelVersion;
    public long records;
    public double knnTop1;
    public double probeTop1;
    public double channelStd;
    public double effectiveRank;
    public long eventTime;

    public QualityRecord() {}

    public io.contrastream.connectors.format.avro.Quality toAvro() {
        return io.contrastream.connectors.format.avro.Quality.newBuilder().setModelId(modelId)
                .setModelVersion(modelVersion).setRecords(records).setKnnTop1(knnTop1).setProbeTop1(probeTop1)
                .setChannelStd(channelStd).setEffectiveRank(effectiveRank)
                .setEventTime(java.time.Instant.ofEpochMilli(eventTime)).build();
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "quality model=%s version=%d records=%d knnTop1=%.4f probeTop1=%.4f channelStd=%.4f effectiveRank=%.2f",
                modelId, modelVersion, records, knnTop1, probeTop1, channelStd, effectiveRank);
    }
}
