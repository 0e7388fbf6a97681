package io.contrastream.flink.model;

import java.util.ArrayList;
import java.util.List;

/**
 * CPC's output for one audio chunk (the Avro {@code CpcPrediction} on the wire): the context c_t and
 * the predictions W_k c_t of the chunk's last frame, the mean surprise over the chunk's frames, and
 * the model version that produced them.
 *
 * <pre>{@code
 * sink.write(p.toAvro());
 * }</pre>
 */
public class CpcPredictionRecord {
    public String streamId;
    public long sequenceNumber;
    public long modelVersion;
    public float[] context;
    public float[][] predictions;
    public double surprise;

    public CpcPredictionRecord() {}

    public io.contrastream.connectors.format.avro.CpcPrediction toAvro() {
        List<List<Float>> preds = new ArrayList<>(predictions.length);
        for (float[] p : predictions) {
            preds.add(floats(p));
        }
        return io.contrastream.connectors.format.avro.CpcPrediction.newBuilder().setStreamId(streamId)
                .setSequenceNumber(sequenceNumber).setModelVersion(modelVersion).setContext(floats(context))
                .setPredictions(preds).setSurprise(surprise).build();
    }

    private static List<Float> floats(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float f : v) {
            out.add(f);
        }
        return out;
    }
}
