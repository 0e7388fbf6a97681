package io.contrastream.flink.bench;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.TrainingExample;
import io.contrastream.flink.operator.AugmentFunction;
import io.contrastream.flink.operator.TrainerOperator;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SyntheticImages;
import io.contrastream.model.util.Rng;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark B4, state at scale on the RocksDB backend with incremental checkpoints: MoCo's
 * 65,536 × 128 queue inside the real trainer operator, and a 1,000,000 × 128 memory bank
 * (InstDisc's layout: one row per record id in keyed MapState). Prints checkpoint duration and size
 * (full, then incremental after a training step / a 1 % update), restore time, JVM heap and RSS.
 * A benchmark, not a test: it runs only when asked, and asserts nothing about time.
 * <pre>
 * mvn -B -pl flink-jobs test -Dtest=StateScaleBenchmark -Dcontrastream.bench=true
 * </pre>
 */
@EnabledIfSystemProperty(named = "contrastream.bench", matches = "true")
class StateScaleBenchmark {
    @TempDir
    Path tmp;

    @Test
    void queue65536() throws Exception {
        int batch = 256;
        JobConfig cfg = JobConfig.of(Map.of("method", "moco-v2", "batch", String.valueOf(batch), "queue-size", "65536",
                "publish-every", "1000000", "model-store", tmp.resolve("models").toUri().toString()));
        int snapshots = 4;
        ImageSet set = SyntheticImages.generate(snapshots * batch, 28, 3);
        AugmentFunction aug = new AugmentFunction(cfg);
        aug.open(null);
        List<TrainingExample> data = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            data.add(aug.map(new DecodedImage("r" + i, "t", i, set.images().get(i), set.labels()[i])));
        }
        Path cp = tmp.resolve("cp-queue");
        OperatorSubtaskState first;
        try (var h = harness(new TrainerOperator(cfg), e -> e.modelId, cp)) {
            h.open();
            for (TrainingExample e : data.subList(0, batch)) {
                h.processElement(new StreamRecord<>(e));
            }
            first = measureSnapshot("b4 queue 65536x128 first (whole queue)", h, 1, cp);
            for (int c = 2; c <= snapshots; c++) { // RocksDB compacts the first checkpoint's files on the way
                for (TrainingExample e : data.subList((c - 1) * batch, c * batch)) {
                    h.processElement(new StreamRecord<>(e));
                }
                measureSnapshot("b4 queue 65536x128 checkpoint " + c + ", 1 step (256 new keys) later", h, c, cp);
            }
        }
        // the test harness restores only self-contained snapshots: the first one holds every file
        measureRestore("b4 queue 65536x128", harness(new TrainerOperator(cfg), e -> e.modelId, tmp.resolve("cp-r")),
                first);
    }

    @Test
    void memoryBank1M() throws Exception {
        int rows = Integer.getInteger("contrastream.bench.bankRows", 1_000_000);
        Path cp = tmp.resolve("cp-bank");
        OperatorSubtaskState first;
        try (var h = harness(new KeyedProcessOperator<>(new BankWriter()), c -> "default", cp)) {
            h.open();
            long s = System.nanoTime();
            for (int from = 0; from < rows; from += 10_000) {
                h.processElement(new StreamRecord<>(new long[] {from, Math.min(rows, from + 10_000), 1}));
            }
            System.out.printf(Locale.ROOT, "b4 bank %dx128 fill_s=%.1f%n", rows, (System.nanoTime() - s) / 1e9);
            first = measureSnapshot("b4 bank " + rows + "x128 first (whole bank)", h, 1, cp);
            // 1 % of the rows rewritten, as momentum updates of the records seen since the last checkpoint
            Rng rng = Rng.seeded(9);
            for (int c = 2; c <= 4; c++) {
                for (int i = 0; i < rows / 100; i += 100) {
                    long start = rng.nextInt(rows - 100);
                    h.processElement(new StreamRecord<>(new long[] {start, start + 100, c}));
                }
                measureSnapshot("b4 bank " + rows + "x128 checkpoint " + c + ", 1% of rows rewritten", h, c, cp);
            }
        }
        measureRestore("b4 bank " + rows + "x128", harness(new KeyedProcessOperator<>(new BankWriter()), c -> "default",
                tmp.resolve("cp-r2")), first);
    }

    /** Writes rows [from, to) of the bank with pseudo-random unit-scale vectors; input {from, to, pass}. */
    static final class BankWriter extends KeyedProcessFunction<String, long[], Long> {
        private transient MapState<Long, float[]> bank;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            bank = getRuntimeContext().getMapState(new MapStateDescriptor<>("bank", Types.LONG,
                    PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        }

        @Override
        public void processElement(long[] in, Context ctx, Collector<Long> out) throws Exception {
            for (long id = in[0]; id < in[1]; id++) {
                Rng r = Rng.of(in[2], id);
                float[] v = new float[128];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) r.nextGaussian() * 0.088f;
                }
                bank.put(id, v);
            }
        }
    }

    private <I, O> KeyedOneInputStreamOperatorTestHarness<String, I, O> harness(
            org.apache.flink.streaming.api.operators.OneInputStreamOperator<I, O> op,
            org.apache.flink.api.java.functions.KeySelector<I, String> key, Path checkpoints) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(op, key, Types.STRING);
        // the job's own RocksDB settings (PretrainJob.flinkConfiguration), unless -Dcontrastream.bench.rocksdbDefaults
        org.apache.flink.configuration.Configuration conf = Boolean.getBoolean("contrastream.bench.rocksdbDefaults")
                ? new org.apache.flink.configuration.Configuration()
                : io.contrastream.flink.job.PretrainJob.flinkConfiguration(JobConfig.of(Map.of()));
        h.setStateBackend(new EmbeddedRocksDBStateBackend(true).configure(conf, getClass().getClassLoader()));
        h.setCheckpointStorage(new FileSystemCheckpointStorage(checkpoints.toUri()));
        return h;
    }

    private static OperatorSubtaskState measureSnapshot(String what,
            KeyedOneInputStreamOperatorTestHarness<String, ?, ?> h, long id, Path dir) throws Exception {
        long before = size(dir);
        long s = System.nanoTime();
        OperatorSubtaskState state = h.snapshot(id, id);
        double secs = (System.nanoTime() - s) / 1e9;
        h.notifyOfCompletedCheckpoint(id);
        long written = size(dir) - before;
        if (Boolean.getBoolean("contrastream.bench.listFiles")) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.filter(Files::isRegularFile).forEach(p -> System.out.println("  " + dir.relativize(p) + " "
                        + p.toFile().length()));
            }
        }
        System.out.printf(Locale.ROOT, "%s checkpoint_s=%.2f written_mib=%.1f checkpoint_total_mib=%.1f %s%n", what, secs,
                written / 1048576.0, size(dir) / 1048576.0, memory());
        return state;
    }

    private static void measureRestore(String what, KeyedOneInputStreamOperatorTestHarness<String, ?, ?> h,
            OperatorSubtaskState state) throws Exception {
        try (h) {
            long s = System.nanoTime();
            h.setup();
            h.initializeState(state);
            h.open();
            System.out.printf(Locale.ROOT, "%s restore_s=%.2f %s%n", what, (System.nanoTime() - s) / 1e9, memory());
        }
    }

    private static String memory() {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = -1;
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            rss = lines.filter(l -> l.startsWith("VmRSS:")).map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024)
                    .findFirst().orElse(-1L);
        } catch (IOException e) {
            // not Linux: RSS unknown
        }
        return String.format(Locale.ROOT, "heap_mib=%.0f rss_mib=%.0f", heap / 1048576.0, rss / 1048576.0);
    }

    private static long size(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
