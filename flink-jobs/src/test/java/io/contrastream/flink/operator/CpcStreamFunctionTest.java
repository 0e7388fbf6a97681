package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.AudioWindow;
import io.contrastream.flink.model.CpcPredictionRecord;
import io.contrastream.flink.model.DecodedAudio;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.model.method.cpc.Cpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-stream audio state on RocksDB: snapshot → restore into fresh operators → the same
 * 16 kHz samples, windows, contexts, predictions and surprise as a run that never stopped; a new
 * model version arriving through broadcast state is used after the restore too; a replayed
 * sequence number is refused and a gap restarts the stream.
 */
class CpcStreamFunctionTest {
    @TempDir
    Path tmp;

    JobConfig cfg() {
        return cfg(Map.of());
    }

    JobConfig cfg(Map<String, String> more) {
        Map<String, String> m = new java.util.LinkedHashMap<>(Map.of("method", "cpc", "window-samples", "4000",
                "batch", "2", "cpc-channels", "16", "cpc-gru", "16", "cpc-steps", "3", "model-store",
                tmp.resolve("models").toUri().toString()));
        m.putAll(more);
        return JobConfig.of(m);
    }

    /** Chunk {@code seq} of a 22,050 Hz stream: 100 ms of a chirp plus a little seeded noise. */
    static DecodedAudio chunk(String stream, long seq) {
        DecodedAudio a = new DecodedAudio();
        a.streamId = stream;
        a.sequenceNumber = seq;
        a.eventTime = seq * 100;
        a.sampleRate = 22_050;
        a.samples = new float[2205];
        java.util.Random r = new java.util.Random(seq * 31 + stream.hashCode());
        for (int i = 0; i < a.samples.length; i++) {
            double t = (seq * 2205 + i) / 22_050.0;
            a.samples[i] = (float) (0.4 * Math.sin(2 * Math.PI * (300 + 200 * t) * t) + 0.02 * r.nextGaussian());
        }
        return a;
    }

    KeyedOneInputStreamOperatorTestHarness<String, DecodedAudio, DecodedAudio> streamHarness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new AudioStreamFunction(cfg())),
                a -> a.streamId, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
        h.setCheckpointStorage(new FileSystemCheckpointStorage(tmp.resolve("ck1").toUri()));
        return h;
    }

    KeyedBroadcastOperatorTestHarness<String, DecodedAudio, ModelUpdate, CpcPredictionRecord> cpcHarness()
            throws Exception {
        return cpcHarness(cfg());
    }

    KeyedBroadcastOperatorTestHarness<String, DecodedAudio, ModelUpdate, CpcPredictionRecord> cpcHarness(
            JobConfig cfg) throws Exception {
        var op = new CoBroadcastWithKeyedOperator<>(new CpcStreamFunction(cfg), List.of(CpcStreamFunction.MODEL));
        var h = new KeyedBroadcastOperatorTestHarness<>(op, (DecodedAudio a) -> a.streamId, Types.STRING, 1, 1, 0);
        h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
        h.setCheckpointStorage(new FileSystemCheckpointStorage(tmp.resolve("ck2").toUri()));
        return h;
    }

    ModelUpdate version(long v) {
        try (Cpc m = new Cpc(cfg().recipeParams())) {
            var batch = io.contrastream.model.method.cpc.AudioBatch.of(chunk16k(0), chunk16k(1));
            for (int i = 0; i < (int) v; i++) {
                m.step(batch);
            }
            ModelUpdate u = new ModelUpdate();
            u.modelId = cfg().get(io.contrastream.flink.config.JobParams.MODEL_ID); // the method's name by default
            u.version = v;
            u.encoder = m.exportEncoder();
            try { // published as the trainer does: a restore reads the weights back from here
                var p = io.contrastream.flink.store.ModelStore.publish(tmp.resolve("models").toUri().toString(), u.modelId,
                        v, v, 0.0, u.encoder, CpcTrainerOperator.servingMetadata(cfg()));
                u.uri = p.uri();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return u;
        }
    }

    static float[] chunk16k(long seed) {
        float[] x = new float[4000];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.3 * Math.sin(i * 0.05 * (1 + seed)) + 0.05 * r.nextGaussian());
        }
        return x;
    }

    /** Runs chunks through both functions; returns {16 kHz chunks, windows, predictions}. */
    @SuppressWarnings("unchecked")
    static List<Object>[] drain(KeyedOneInputStreamOperatorTestHarness<String, DecodedAudio, DecodedAudio> s,
            KeyedBroadcastOperatorTestHarness<String, DecodedAudio, ModelUpdate, CpcPredictionRecord> c,
            List<DecodedAudio> in) throws Exception {
        List<Object> at16k = new ArrayList<>();
        List<Object> preds = new ArrayList<>();
        for (DecodedAudio a : in) {
            int before = s.getOutput().size();
            s.processElement(new StreamRecord<>(a));
            List<Object> out = new ArrayList<>(s.getOutput());
            for (Object o : out.subList(before, out.size())) {
                DecodedAudio r = (DecodedAudio) ((StreamRecord<?>) o).getValue();
                at16k.add(r);
                c.processElement(new StreamRecord<>(r));
            }
        }
        for (Object o : c.getOutput()) {
            preds.add(((StreamRecord<?>) o).getValue());
        }
        List<Object> windows = new ArrayList<>();
        var side = s.getSideOutput(AudioStreamFunction.WINDOWS);
        if (side != null) {
            side.forEach(r -> windows.add(((StreamRecord<AudioWindow>) r).getValue()));
        }
        return new List[] {at16k, windows, preds};
    }

    @Test
    void snapshotRestoreOfPerStreamStateContinuesIdentically() throws Exception {
        List<DecodedAudio> first = new ArrayList<>();
        List<DecodedAudio> second = new ArrayList<>();
        for (long seq = 0; seq < 12; seq++) {
            for (String s : List.of("a", "b")) {
                (seq < 6 ? first : second).add(chunk(s, seq));
            }
        }
        ModelUpdate v1 = version(1);
        // straight through, version 1 arriving after the first half
        List<Object>[] straight;
        try (var s = streamHarness(); var c = cpcHarness()) {
            s.open();
            c.open();
            drain(s, c, first);
            c.processBroadcastElement(new StreamRecord<>(v1));
            straight = drain(s, c, second);
        }
        // the same with a snapshot after the first half and a restore into fresh operators
        OperatorSubtaskState ss;
        OperatorSubtaskState cs;
        try (var s = streamHarness(); var c = cpcHarness()) {
            s.open();
            c.open();
            drain(s, c, first);
            c.processBroadcastElement(new StreamRecord<>(v1));
            ss = s.snapshot(1L, 1L);
            cs = c.snapshot(1L, 1L);
        }
        long broadcast = cs.getManagedOperatorState().getStateSize(); // broadcast state is operator state
        System.out.printf("cpc stream: broadcast state with version 1: %d bytes (the encoder alone is %d)%n", broadcast,
                v1.encoder.length);
        assertThat(broadcast).as("broadcast state holds the reference, not the weights").isLessThan(2048);
        List<Object>[] resumed;
        try (var s = streamHarness(); var c = cpcHarness()) {
            s.setup();
            s.initializeState(ss);
            s.open();
            c.setup();
            c.initializeState(cs);
            c.open();
            resumed = drain(s, c, second);
        }
        assertThat(resumed[0]).hasSameSizeAs(straight[0]);
        List<CpcPredictionRecord> a = tail(straight[2], second.size());
        List<CpcPredictionRecord> b = tail(resumed[2], second.size());
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).modelVersion).isEqualTo(1L);
            assertThat(b.get(i).context).as("context of chunk %d", i).isEqualTo(a.get(i).context);
            assertThat(b.get(i).predictions).isEqualTo(a.get(i).predictions);
            assertThat(b.get(i).surprise).isEqualTo(a.get(i).surprise);
        }
        List<Object> w1 = straight[1];
        List<Object> w2 = resumed[1];
        assertThat(w2).isNotEmpty();
        for (int i = 0; i < w2.size(); i++) {
            assertThat(((AudioWindow) w2.get(i)).samples).isEqualTo(((AudioWindow) w1.get(w1.size() - w2.size() + i)).samples);
        }
    }

    @Test
    void replaysAreRefusedAndGapsRestartTheStream() throws Exception {
        try (var s = streamHarness(); var c = cpcHarness()) {
            s.open();
            c.open();
            List<DecodedAudio> in = new ArrayList<>(List.of(chunk("a", 0), chunk("a", 1), chunk("a", 1), chunk("a", 5)));
            in.forEach(x -> x.raw = new io.contrastream.flink.model.RawRecord("audio", 0, x.sequenceNumber, null,
                    new byte[] {1}));
            List<Object>[] out = drain(s, c, in);
            assertThat(out[0]).hasSize(3); // the replayed chunk 1 is a dead letter
            var dead = s.getSideOutput(DecodeFunction.DEAD_LETTERS);
            assertThat(dead).hasSize(1);
            assertThat(dead.peek().getValue().reason).contains("already processed");
            List<DecodedAudio> passed = new ArrayList<>();
            out[0].forEach(o -> passed.add((DecodedAudio) o));
            assertThat(passed).extracting(x -> x.restart).containsExactly(true, false, true);
            assertThat(passed).allSatisfy(x -> assertThat(x.sampleRate).isEqualTo(16_000));
            List<CpcPredictionRecord> preds = tail(out[2], 3);
            assertThat(preds.get(0).context).isNotEmpty();
            assertThat(preds).allSatisfy(p -> assertThat(p.predictions).hasNumberOfRows(3));
        }
    }

    /** A 16 kHz chunk as AudioStreamFunction passes it on: coordinates kept, bytes dropped. */
    static DecodedAudio at16k(String stream, long seq, float[] samples, boolean restart) {
        DecodedAudio a = new DecodedAudio();
        a.streamId = stream;
        a.sequenceNumber = seq;
        a.eventTime = seq * 250;
        a.sampleRate = 16_000;
        a.samples = samples;
        a.restart = restart;
        a.raw = new io.contrastream.flink.model.RawRecord("audio", 2, 500 + seq, stream.getBytes(), new byte[0]);
        return a;
    }

    /** Feeds chunks to the CPC function; returns the predictions they produced. */
    static List<CpcPredictionRecord> cpc(
            KeyedBroadcastOperatorTestHarness<String, DecodedAudio, ModelUpdate, CpcPredictionRecord> c,
            DecodedAudio... in) throws Exception {
        int before = c.getOutput().size();
        for (DecodedAudio a : in) {
            c.processElement(new StreamRecord<>(a));
        }
        List<Object> all = new ArrayList<>(c.getOutput());
        List<CpcPredictionRecord> out = new ArrayList<>();
        for (Object o : all.subList(before, all.size())) {
            out.add((CpcPredictionRecord) ((StreamRecord<?>) o).getValue());
        }
        return out;
    }

    static <T> List<T> side(KeyedBroadcastOperatorTestHarness<String, DecodedAudio, ModelUpdate, CpcPredictionRecord> c,
            org.apache.flink.util.OutputTag<T> tag) {
        List<T> out = new ArrayList<>();
        var q = c.getSideOutput(tag);
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    static boolean allFinite(CpcPredictionRecord p) {
        for (float v : p.context) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        for (float[] row : p.predictions) {
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
        }
        return !Double.isInfinite(p.surprise); // NaN is "no frame was predicted yet", by design
    }

    /** The context a brand-new stream gets from these samples alone. */
    float[] freshContext(float[] samples) throws Exception {
        try (var f = cpcHarness()) {
            f.open();
            return cpc(f, at16k("fresh", 0, samples, true)).get(0).context;
        }
    }

    /** Exported encoder weights (ParameterIO layout: g_enc/g_ar block, then the W_k block) with every value NaN. */
    static byte[] poisoned(byte[] encoder) throws java.io.IOException {
        var in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(encoder));
        var bytes = new java.io.ByteArrayOutputStream();
        var out = new java.io.DataOutputStream(bytes);
        for (int block = 0; block < 2; block++) {
            int n = in.readInt();
            out.writeInt(n);
            for (int p = 0; p < n; p++) {
                out.writeUTF(in.readUTF());
                int rank = in.readInt();
                out.writeInt(rank);
                long size = 1;
                for (int d = 0; d < rank; d++) {
                    long dim = in.readLong();
                    out.writeLong(dim);
                    size *= dim;
                }
                for (long i = 0; i < size; i++) {
                    in.readFloat();
                    out.writeFloat(Float.NaN);
                }
            }
        }
        assertThat(in.available()).isZero();
        out.flush();
        return bytes.toByteArray();
    }

    @Test
    void hugeSamplesGiveNoNonFiniteOutputOrStateButADeadLetter() throws Exception {
        float[] huge = new float[4000];
        for (int i = 0; i < huge.length; i++) {
            huge[i] = (i % 2 == 0 ? 1 : -1) * 3e38f; // finite, but the encoder's sums overflow
        }
        float[] nan = chunk16k(9);
        nan[17] = Float.NaN;
        try (var c = cpcHarness()) {
            c.open();
            DecodedAudio bad = at16k("a", 1, huge, false);
            List<CpcPredictionRecord> p = cpc(c, at16k("a", 0, chunk16k(0), true), bad,
                    at16k("a", 2, chunk16k(2), false), at16k("b", 0, nan, true));
            assertThat(p).extracting(x -> x.streamId + "/" + x.sequenceNumber).containsExactly("a/0", "a/2");
            assertThat(p).allSatisfy(x -> assertThat(allFinite(x)).isTrue());
            var emb = side(c, CpcStreamFunction.EMBEDDINGS);
            assertThat(emb).extracting(e -> e.recordId).containsExactly("a/0", "a/2");
            List<io.contrastream.flink.model.DeadLetterRecord> dead = side(c, DecodeFunction.DEAD_LETTERS);
            assertThat(dead).hasSize(2);
            assertThat(dead.get(0).reason).contains("non-finite context or prediction").doesNotContain("a/");
            assertThat(dead.get(0).offset).isEqualTo(bad.raw.offset);
            assertThat(dead.get(0).partition).isEqualTo(2);
            assertThat(dead.get(0).raw).isEmpty();
            assertThat(dead.get(1).reason).contains("non-finite 16 kHz samples");
            // the bad chunk neither poisoned nor continued the context: chunk 2 starts afresh
            assertThat(p.get(1).context).isEqualTo(freshContext(chunk16k(2)));
        }
    }

    @Test
    void aNaNModelVersionIsDeadLetteredUntilAGoodOneArrives() throws Exception {
        ModelUpdate v2 = version(2);
        ModelUpdate nanVersion = version(0);
        nanVersion.version = 1;
        nanVersion.encoder = poisoned(nanVersion.encoder);
        try (var c = cpcHarness()) {
            c.open();
            assertThat(cpc(c, at16k("a", 0, chunk16k(0), true))).hasSize(1);
            c.processBroadcastElement(new StreamRecord<>(nanVersion));
            assertThat(cpc(c, at16k("a", 1, chunk16k(1), false), at16k("a", 2, chunk16k(2), false))).isEmpty();
            assertThat(side(c, DecodeFunction.DEAD_LETTERS)).hasSize(2)
                    .allSatisfy(d -> assertThat(d.reason).contains("model version 1"));
            c.processBroadcastElement(new StreamRecord<>(v2));
            List<CpcPredictionRecord> p = cpc(c, at16k("a", 3, chunk16k(3), false));
            assertThat(p).singleElement().satisfies(x -> {
                assertThat(x.modelVersion).isEqualTo(2L);
                assertThat(allFinite(x)).isTrue();
            });
            assertThat(side(c, CpcStreamFunction.EMBEDDINGS)).hasSize(2);
        }
    }

    @Test
    void anIdleStreamsContextExpires() throws Exception {
        try (var c = cpcHarness(cfg(Map.of("stream-idle-ttl-ms", "1000")))) {
            c.open();
            c.setStateTtlProcessingTime(0);
            cpc(c, at16k("a", 0, chunk16k(0), true), at16k("b", 0, chunk16k(0), true));
            c.setStateTtlProcessingTime(900);
            cpc(c, at16k("a", 1, chunk16k(1), false), at16k("b", 1, chunk16k(1), false));
            c.setStateTtlProcessingTime(1899); // b: 999 ms idle, its context carries on
            float[] kept = cpc(c, at16k("b", 2, chunk16k(2), false)).get(0).context;
            c.setStateTtlProcessingTime(1900); // a: 1000 ms idle, expired
            float[] expired = cpc(c, at16k("a", 2, chunk16k(2), false)).get(0).context;
            float[] fresh = freshContext(chunk16k(2));
            assertThat(expired).isEqualTo(fresh);
            assertThat(kept).isNotEqualTo(fresh);
        }
    }

    @Test
    void aLiveStreamsContextNeverExpires() throws Exception {
        // the version entry used to be written only when it changed: under a TTL it expired mid-stream
        List<float[]> noTtl = new ArrayList<>();
        List<float[]> ttl = new ArrayList<>();
        try (var c = cpcHarness(cfg(Map.of("stream-idle-ttl-ms", "0")))) {
            c.open();
            for (long seq = 0; seq < 6; seq++) {
                noTtl.add(cpc(c, at16k("a", seq, chunk16k(seq), seq == 0)).get(0).context);
            }
        }
        try (var c = cpcHarness(cfg(Map.of("stream-idle-ttl-ms", "1000")))) {
            c.open();
            for (long seq = 0; seq < 6; seq++) {
                c.setStateTtlProcessingTime(seq * 600); // each chunk within the TTL of the last, 3 TTLs in all
                ttl.add(cpc(c, at16k("a", seq, chunk16k(seq), seq == 0)).get(0).context);
            }
        }
        for (int i = 0; i < noTtl.size(); i++) {
            assertThat(ttl.get(i)).as("context of chunk %d", i).isEqualTo(noTtl.get(i));
        }
    }

    @SuppressWarnings("unchecked")
    static List<CpcPredictionRecord> tail(List<Object> all, int n) {
        List<CpcPredictionRecord> out = new ArrayList<>();
        for (Object o : all.subList(all.size() - n, all.size())) {
            out.add((CpcPredictionRecord) o);
        }
        return out;
    }
}
