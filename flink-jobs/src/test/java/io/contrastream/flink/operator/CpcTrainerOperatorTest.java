package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.AudioWindow;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.model.util.Rng;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPC trainer on RocksDB: snapshot after two steps with one window pending, restore into a fresh
 * operator, and the rest of the stream gives the same state and the same published encoders as a run
 * that never stopped.
 */
class CpcTrainerOperatorTest {
    @TempDir
    Path tmp;

    JobConfig cfg() {
        return JobConfig.of(Map.of("method", "cpc", "window-samples", "4000", "batch", "2", "cpc-channels", "16",
                "cpc-gru", "16", "cpc-steps", "3", "publish-every", "1",
                "model-store", tmp.resolve("models").toUri().toString()));
    }

    static List<AudioWindow> windows(int n) {
        Rng rng = Rng.seeded(11);
        List<AudioWindow> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AudioWindow w = new AudioWindow();
            w.modelId = "default";
            w.streamId = "s" + (i % 3);
            w.samples = new float[4000];
            for (int t = 0; t < w.samples.length; t++) { // a tone per stream plus seeded noise
                w.samples[t] = (float) (0.3 * Math.sin(2 * Math.PI * (200 + 100 * (i % 3)) * t / 16000.0)
                        + 0.05 * (rng.nextFloat() - 0.5));
            }
            out.add(w);
        }
        return out;
    }

    KeyedOneInputStreamOperatorTestHarness<String, AudioWindow, ModelUpdate> harness(CpcTrainerOperator op)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(op, w -> w.modelId, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
        h.setCheckpointStorage(new FileSystemCheckpointStorage(tmp.resolve("checkpoints").toUri()));
        return h;
    }

    static List<ModelUpdate> updates(KeyedOneInputStreamOperatorTestHarness<String, AudioWindow, ModelUpdate> h) {
        List<ModelUpdate> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            out.add((ModelUpdate) ((StreamRecord<?>) o).getValue());
        }
        return out;
    }

    @Test
    void snapshotRestoreResumesBitExact() throws Exception {
        List<AudioWindow> data = windows(9); // 4 steps + 1 pending
        List<byte[]> straight = new ArrayList<>();
        byte[] straightState;
        CpcTrainerOperator straightOp = new CpcTrainerOperator(cfg());
        try (var h = harness(straightOp)) {
            h.open();
            for (AudioWindow w : data) {
                h.processElement(new StreamRecord<>(w));
            }
            updates(h).forEach(u -> straight.add(u.encoder));
            straightState = straightOp.model("default").exportState();
        }
        OperatorSubtaskState snapshot;
        List<byte[]> resumed = new ArrayList<>();
        try (var h = harness(new CpcTrainerOperator(cfg()))) {
            h.open();
            for (AudioWindow w : data.subList(0, 5)) { // 2 steps + 1 window pending at the checkpoint
                h.processElement(new StreamRecord<>(w));
            }
            updates(h).forEach(u -> resumed.add(u.encoder));
            snapshot = h.snapshot(1L, 1L);
        }
        CpcTrainerOperator restoredOp = new CpcTrainerOperator(cfg());
        try (var h = harness(restoredOp)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            for (AudioWindow w : data.subList(5, data.size())) {
                h.processElement(new StreamRecord<>(w));
            }
            List<ModelUpdate> after = updates(h);
            assertThat(after).extracting(u -> u.version).containsExactly(3L, 4L);
            after.forEach(u -> resumed.add(u.encoder));
            assertThat(restoredOp.model("default").exportState()).isEqualTo(straightState);
        }
        assertThat(straight).hasSize(4);
        assertThat(straight.get(1)).isNotEqualTo(straight.get(0));
        assertThat(resumed).hasSize(straight.size());
        for (int i = 0; i < straight.size(); i++) {
            assertThat(resumed.get(i)).as("version %d", i + 1).isEqualTo(straight.get(i));
        }
    }
}
