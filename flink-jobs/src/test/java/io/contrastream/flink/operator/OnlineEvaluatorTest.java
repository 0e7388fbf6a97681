package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.connectors.format.avro.Quality;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.QualityRecord;
import io.contrastream.model.eval.CollapseMonitor;
import io.contrastream.model.eval.KnnClassifier;
import io.contrastream.model.util.Rng;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The online evaluator on a synthetic stream of clustered embeddings (4 classes in 16 dimensions) from two
 * model versions, with late records of the older one, unlabelled records and bad ones: a snapshot restored
 * into a fresh operator continues bit-exactly, and every quality record equals an offline score-then-add
 * recomputation with {@link KnnClassifier}, the same probe maths in a plain loop and {@link CollapseMonitor}.
 */
class OnlineEvaluatorTest {
    static final int DIM = 16;
    static final int MEMORY = 64;
    static final int K = 20;
    static final int INTERVAL = 25;
    static final int MIN_RECORDS = 100;
    static final float LR = 0.5f;
    static final long SEED = 42;

    static JobConfig cfg() {
        return JobConfig.of(Map.of("eval-memory", String.valueOf(MEMORY), "eval-k", String.valueOf(K),
                "quality-interval", String.valueOf(INTERVAL), "eval-min-records", String.valueOf(MIN_RECORDS),
                "eval-probe-lr", String.valueOf(LR), "eval-seed", String.valueOf(SEED)));
    }

    /** 700 records: version 1, then version 2 with a late version-1 record every 7th; some unlabelled, 3 bad. */
    static List<EmbeddingRecord> stream() {
        Random r = new Random(7);
        float[][] centres = new float[4][DIM];
        for (float[] c : centres) {
            for (int j = 0; j < DIM; j++) {
                c[j] = (float) r.nextGaussian();
            }
        }
        List<EmbeddingRecord> out = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            EmbeddingRecord e = new EmbeddingRecord();
            e.recordId = "r-" + i;
            e.source = "test";
            e.eventTime = 1_000L + i;
            e.modelId = "m";
            e.modelVersion = i < 300 || i % 7 == 0 ? 1 : 2;
            int y = r.nextInt(4);
            e.label = i % 11 == 5 ? -1 : y;
            e.vector = new float[DIM];
            for (int j = 0; j < DIM; j++) { // the versions see the classes differently (v2: a rotation)
                float c = e.modelVersion == 1 ? centres[y][j] : centres[y][(j + 3) % DIM];
                e.vector[j] = c + 0.9f * (float) r.nextGaussian();
            }
            if (i == 50) {
                e.vector[3] = Float.NaN;
            } else if (i == 60) {
                e.label = 5000;
            } else if (i == 70) {
                e.vector = new float[8];
            }
            out.add(e);
        }
        return out;
    }

    static OneInputStreamOperatorTestHarness<EmbeddingRecord, QualityRecord> harness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new OnlineEvaluator(cfg()));
    }

    static List<Quality> feed(OneInputStreamOperatorTestHarness<EmbeddingRecord, QualityRecord> h,
            List<EmbeddingRecord> records) throws Exception {
        int before = h.extractOutputValues().size();
        for (EmbeddingRecord e : records) {
            h.processElement(new StreamRecord<>(e));
        }
        List<QualityRecord> all = h.extractOutputValues();
        return all.subList(before, all.size()).stream().map(QualityRecord::toAvro).toList();
    }

    @Test
    void aRestoredEvaluatorContinuesBitExactly() throws Exception {
        List<EmbeddingRecord> in = stream();
        List<Quality> straight;
        try (var h = harness()) {
            h.open();
            straight = feed(h, in);
        }
        for (int cut : new int[] {40, 310, 333}) { // version 1 alone, just after version 2 began, late v1 records
            List<Quality> resumed = new ArrayList<>();
            OperatorSubtaskState snapshot;
            try (var h = harness()) {
                h.open();
                resumed.addAll(feed(h, in.subList(0, cut)));
                snapshot = h.snapshot(1, 1);
            }
            try (var h = harness()) {
                h.initializeState(snapshot);
                h.open();
                resumed.addAll(feed(h, in.subList(cut, in.size())));
                if (cut == 333) {
                    assertThat(((OnlineEvaluator) h.getOperator()).versionsKept()).isEqualTo(Map.of("m", List.of(2L)));
                }
            }
            assertThat(resumed).as("restored at record %d", cut).isEqualTo(straight);
            System.out.printf("online-eval restore at record %d: %d quality records, state %d bytes, identical%n", cut,
                    resumed.size(), snapshot.getStateSize());
        }
        assertThat(straight).isNotEmpty();
    }

    @Test
    void qualityEqualsAnOfflineScoreThenAddRecomputation() throws Exception {
        List<EmbeddingRecord> in = stream();
        List<Quality> online;
        double[] gauges;
        try (var h = harness()) {
            h.open();
            online = feed(h, in);
            gauges = ((OnlineEvaluator) h.getOperator()).newestAccuracy();
        }
        List<Quality> offline = offline(in);
        assertThat(online).hasSameSizeAs(offline);
        for (int i = 0; i < online.size(); i++) {
            Quality a = online.get(i);
            Quality b = offline.get(i);
            assertThat(a.getModelVersion()).isEqualTo(b.getModelVersion());
            assertThat(a.getRecords()).isEqualTo(b.getRecords());
            assertThat(a.getKnnTop1()).isCloseTo(b.getKnnTop1(), within(1e-6));
            assertThat(a.getProbeTop1()).isCloseTo(b.getProbeTop1(), within(1e-6));
            assertThat(a.getChannelStd()).isCloseTo(b.getChannelStd(), within(1e-6));
            assertThat(a.getEffectiveRank()).isCloseTo(b.getEffectiveRank(), within(1e-6));
            assertThat(a.getEventTime()).isEqualTo(b.getEventTime());
            System.out.printf("online-eval version %d after %d: knn %.4f probe %.4f std %.4f erank %.2f%n",
                    a.getModelVersion(), a.getRecords(), a.getKnnTop1(), a.getProbeTop1(), a.getChannelStd(),
                    a.getEffectiveRank());
        }
        Quality last = online.get(online.size() - 1);
        assertThat(last.getModelVersion()).isEqualTo(2L);
        assertThat(gauges[0]).isCloseTo(last.getKnnTop1(), within(0.05)); // a few records after the last one
        // clustered classes: both far above chance (0.25), so scoring a record against itself would not be hidden
        assertThat(last.getKnnTop1()).isGreaterThan(0.8).isLessThan(1.0);
        assertThat(last.getProbeTop1()).isGreaterThan(0.6);
        assertThat(online.stream().filter(q -> q.getModelVersion() == 1L).count()).isGreaterThanOrEqualTo(10);
    }

    /** Score-then-add in a plain loop: one memory and one probe per version, the older dropped at MIN_RECORDS. */
    static List<Quality> offline(List<EmbeddingRecord> in) {
        Map<Long, ArrayDeque<EmbeddingRecord>> memory = new HashMap<>();
        Map<Long, List<float[]>> probes = new HashMap<>();
        Map<Long, long[]> counts = new HashMap<>(); // scored, knn correct, probe correct, max event time
        long floor = Long.MIN_VALUE;
        int dim = -1;
        List<Quality> out = new ArrayList<>();
        for (EmbeddingRecord e : in) {
            boolean bad = e.label >= 1000 || e.vector.length != DIM || !allFinite(e.vector);
            if (e.label < 0 || bad || e.modelVersion < floor) {
                continue;
            }
            long v = e.modelVersion;
            ArrayDeque<EmbeddingRecord> mem = memory.computeIfAbsent(v, x -> new ArrayDeque<>());
            List<float[]> w = probes.computeIfAbsent(v, x -> new ArrayList<>());
            long[] c = counts.computeIfAbsent(v, x -> new long[4]);
            c[3] = Math.max(c[3], e.eventTime);
            while (w.size() <= e.label) {
                Rng rng = Rng.of(SEED, v, w.size());
                float[] row = new float[DIM + 1];
                for (int j = 0; j < row.length; j++) {
                    row[j] = (rng.nextFloat() - 0.5f) * 0.02f;
                }
                w.add(row);
            }
            float[] x = new float[DIM + 1];
            double sq = 0;
            for (float f : e.vector) {
                sq += (double) f * f;
            }
            float inv = (float) (1.0 / Math.max(Math.sqrt(sq), 1e-12));
            for (int j = 0; j < DIM; j++) {
                x[j] = e.vector[j] * inv;
            }
            x[DIM] = 1f;
            float[] p = new float[w.size()];
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < p.length; k++) {
                float s = 0f;
                for (int j = 0; j < x.length; j++) {
                    s += w.get(k)[j] * x[j];
                }
                p[k] = s;
                max = Math.max(max, s);
            }
            float sum = 0f;
            for (int k = 0; k < p.length; k++) {
                p[k] = (float) Math.exp(p[k] - max);
                sum += p[k];
            }
            int probePred = 0;
            for (int k = 0; k < p.length; k++) {
                p[k] /= sum;
                if (p[k] > p[probePred]) {
                    probePred = k;
                }
            }
            boolean scored = !mem.isEmpty();
            if (scored) {
                float[][] trainX = mem.stream().map(r -> r.vector).toArray(float[][]::new);
                int[] trainY = mem.stream().mapToInt(r -> r.label).toArray();
                int knn = KnnClassifier.predict(trainX, trainY, new float[][] {e.vector}, new int[] {K},
                        KnnClassifier.DEFAULT_TAU, w.size())[0][0];
                c[0]++;
                c[1] += knn == e.label ? 1 : 0;
                c[2] += probePred == e.label ? 1 : 0;
            }
            for (int k = 0; k < p.length; k++) {
                float g = (p[k] - (k == e.label ? 1f : 0f)) * LR;
                for (int j = 0; j < x.length; j++) {
                    w.get(k)[j] -= g * x[j];
                }
            }
            mem.addLast(e);
            if (mem.size() > MEMORY) {
                mem.removeFirst();
            }
            if (scored && c[0] % INTERVAL == 0) {
                float[][] z = mem.stream().map(r -> r.vector).toArray(float[][]::new);
                out.add(Quality.newBuilder().setModelId("m").setModelVersion(v).setRecords(c[0])
                        .setKnnTop1((double) c[1] / c[0]).setProbeTop1((double) c[2] / c[0])
                        .setChannelStd(CollapseMonitor.meanChannelStd(z)).setEffectiveRank(CollapseMonitor.effectiveRank(z))
                        .setEventTime(java.time.Instant.ofEpochMilli(c[3])).build());
            }
            if (scored && c[0] == MIN_RECORDS) {
                floor = Math.max(floor, v);
            }
        }
        return out;
    }

    static boolean allFinite(float[] x) {
        for (float f : x) {
            if (!Float.isFinite(f)) {
                return false;
            }
        }
        return true;
    }
}
