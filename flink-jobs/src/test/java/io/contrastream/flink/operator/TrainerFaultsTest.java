package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.AudioWindow;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.TrainingExample;
import io.contrastream.flink.store.FaultyFileSystem;
import io.contrastream.flink.store.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keyed trainers under model-store faults and misconfiguration, in the operator harness on RocksDB:
 * a store that cannot be written (or is full) never stops training and announces no version it did not
 * store, and the next publish after it is back lands; retention; a version number is never reused; a
 * store folder of another method and a savepoint of other state-shaping settings are refused without
 * restarts. CPC with tiny widths keeps the steps fast; the queue-size case uses moco-v2.
 */
class TrainerFaultsTest {
    @TempDir
    Path tmp;

    @AfterEach
    void storeNotFull() {
        FaultyFileSystem.full = false;
    }

    String store() {
        return tmp.resolve("models").toUri().toString();
    }

    JobConfig cfg(String store, String... extra) {
        Map<String, String> m = new HashMap<>(Map.of("method", "cpc", "window-samples", "4000", "batch", "2",
                "cpc-channels", "16", "cpc-gru", "16", "cpc-steps", "3", "publish-every", "1", "model-id", "default",
                "model-store", store));
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return JobConfig.of(m);
    }

    KeyedOneInputStreamOperatorTestHarness<String, AudioWindow, ModelUpdate> harness(CpcTrainerOperator op)
            throws Exception {
        return new CpcTrainerOperatorTest() {
            {
                tmp = TrainerFaultsTest.this.tmp;
            }
        }.harness(op);
    }

    static void feed(KeyedOneInputStreamOperatorTestHarness<String, AudioWindow, ModelUpdate> h, List<AudioWindow> w)
            throws Exception {
        for (AudioWindow x : w) {
            h.processElement(new StreamRecord<>(x));
        }
    }

    /** The same windows at another amplitude: another job's data, so other weights. */
    static List<AudioWindow> otherWindows(int n) {
        List<AudioWindow> out = CpcTrainerOperatorTest.windows(n);
        out.forEach(w -> {
            for (int t = 0; t < w.samples.length; t++) {
                w.samples[t] *= 0.5f;
            }
        });
        return out;
    }

    static SuppressRestartsException suppressed(Throwable t) {
        assertThat(t).as("refused").isNotNull();
        Optional<SuppressRestartsException> s = ExceptionUtils.findThrowable(t, SuppressRestartsException.class);
        assertThat(s).as("wrapped so that Flink does not restart: %s", t).isPresent();
        return s.get();
    }

    static String message(SuppressRestartsException s) {
        return s.getCause().getMessage();
    }

    /** Captures what {@link KeyedTrainerOperator} logs at INFO and above, as "LEVEL message". */
    static final class CapturedLog implements AutoCloseable {
        final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        private final org.apache.logging.log4j.core.LoggerContext ctx =
                (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
        private final String name = KeyedTrainerOperator.class.getName();

        CapturedLog() {
            var appender = new org.apache.logging.log4j.core.appender.AbstractAppender("captured", null, null, true,
                    org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
                @Override
                public void append(org.apache.logging.log4j.core.LogEvent e) {
                    lines.add(e.getLevel() + " " + e.getMessage().getFormattedMessage());
                }
            };
            appender.start();
            var logger = new org.apache.logging.log4j.core.config.LoggerConfig(name,
                    org.apache.logging.log4j.Level.INFO, false);
            logger.addAppender(appender, org.apache.logging.log4j.Level.INFO, null);
            ctx.getConfiguration().addLogger(name, logger);
            ctx.updateLoggers();
        }

        List<String> matching(String part) {
            synchronized (lines) {
                return lines.stream().filter(l -> l.contains(part)).toList();
            }
        }

        @Override
        public void close() {
            ctx.getConfiguration().removeLogger(name);
            ctx.updateLoggers();
        }
    }

    List<String> entries(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anUnwritableStoreDoesNotStopTrainingAndTheNextPublishAfterItLands() throws Exception {
        Path blocker = Files.writeString(tmp.resolve("blocker"), "a regular file, not a directory");
        String store = blocker.resolve("models").toUri().toString(); // no folder can be made under a file, root or not
        List<AudioWindow> data = CpcTrainerOperatorTest.windows(6);
        CpcTrainerOperator op = new CpcTrainerOperator(cfg(store));
        try (var log = new CapturedLog(); var h = harness(op)) {
            h.open();
            feed(h, data.subList(0, 4)); // two steps, two failed publishes
            assertThat(log.matching("model store failed")).as("one line per outage").hasSize(1)
                    .allMatch(l -> l.startsWith("ERROR") && l.contains("embedders keep version 0"));
            assertThat(CpcTrainerOperatorTest.updates(h)).as("no version announced that was not stored").isEmpty();
            assertThat(op.publishFailureCount()).isEqualTo(2);
            assertThat(op.storeHealthyNow()).isFalse();
            assertThat(op.model("default").stepCount()).as("training goes on").isEqualTo(2);

            Files.delete(blocker); // the store is back
            feed(h, data.subList(4, 6));
            List<ModelUpdate> out = CpcTrainerOperatorTest.updates(h);
            assertThat(out).extracting(u -> u.version).containsExactly(1L);
            assertThat(out.get(0).step).isEqualTo(3);
            assertThat(ModelStore.readEncoder(out.get(0).uri)).isEqualTo(out.get(0).encoder);
            assertThat(op.storeHealthyNow()).isTrue();
            assertThat(op.publishFailureCount()).isEqualTo(2);
            assertThat(log.matching("model store")).hasSize(2).last().asString()
                    .contains("model store is back: version 1 published after 2 failed publish(es)");
        }
    }

    @Test
    void aFullStoreLeavesNoTemporaryFolderAndNoUpdate() throws Exception {
        Path dir = tmp.resolve("faulty-models");
        List<AudioWindow> data = CpcTrainerOperatorTest.windows(4);
        CpcTrainerOperator op = new CpcTrainerOperator(cfg("faulty://" + dir.toAbsolutePath()));
        try (var h = harness(op)) {
            h.open();
            FaultyFileSystem.full = true;
            feed(h, data.subList(0, 2));
            assertThat(CpcTrainerOperatorTest.updates(h)).isEmpty();
            assertThat(op.publishFailureCount()).isEqualTo(1);
            assertThat(entries(dir.resolve("default"))).as("the failed write's .v1-<uuid> is removed").isEmpty();

            FaultyFileSystem.full = false;
            feed(h, data.subList(2, 4));
            assertThat(CpcTrainerOperatorTest.updates(h)).extracting(u -> u.version).containsExactly(1L);
            assertThat(entries(dir.resolve("default"))).containsExactly("v1");
        }
    }

    @Test
    void retentionKeepsTheNewestVersionsAndTheOneStillServing() throws Exception {
        List<AudioWindow> data = CpcTrainerOperatorTest.windows(14);
        try (var h = harness(new CpcTrainerOperator(cfg(store(), "keep-versions", "3")))) {
            h.open();
            feed(h, data.subList(0, 6)); // v1..v3
            assertThat(ModelStore.versions(store(), "default")).containsExactly(1L, 2L, 3L);
            h.snapshot(1L, 1L);
            h.notifyOfCompletedCheckpoint(1L); // v3 is what the committed output announced: still serving
            feed(h, data.subList(6, 14)); // v4..v7
            assertThat(CpcTrainerOperatorTest.updates(h)).extracting(u -> u.version)
                    .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(ModelStore.versions(store(), "default")).containsExactly(3L, 5L, 6L, 7L);
        }
    }

    @Test
    void aVersionNumberIsNeverReusedForOtherWeights() throws Exception {
        Map<Long, byte[]> stored = new HashMap<>();
        try (var h = harness(new CpcTrainerOperator(cfg(store())))) { // the first job: v1..v3
            h.open();
            feed(h, CpcTrainerOperatorTest.windows(6));
        }
        for (long v = 1; v <= 3; v++) {
            Path d = tmp.resolve("models/default/v" + v);
            stored.put(v, Files.readAllBytes(d.resolve(ModelStore.ENCODER)));
            stored.put(-v, Files.readAllBytes(d.resolve(ModelStore.META)));
        }

        List<AudioWindow> data = otherWindows(6);
        OperatorSubtaskState savepoint;
        try (var h = harness(new CpcTrainerOperator(cfg(store())))) { // resubmitted without savepoint: no state
            h.open();
            feed(h, data.subList(0, 2));
            savepoint = h.snapshot(1L, 1L);
            feed(h, data.subList(2, 4));
            List<ModelUpdate> out = CpcTrainerOperatorTest.updates(h);
            assertThat(out).extracting(u -> u.version).containsExactly(4L, 5L);
            assertThat(out.get(0).uri).endsWith("/default/v4");
            assertThat(ModelStore.readEncoder(out.get(0).uri)).isEqualTo(out.get(0).encoder);
        }
        byte[] v5 = Files.readAllBytes(tmp.resolve("models/default/v5").resolve(ModelStore.ENCODER));
        try (var h = harness(new CpcTrainerOperator(cfg(store())))) { // rolled back to the savepoint at v4
            h.setup();
            h.initializeState(savepoint);
            h.open();
            feed(h, data.subList(4, 6));
            assertThat(CpcTrainerOperatorTest.updates(h)).extracting(u -> u.version).containsExactly(6L);
        }
        for (long v = 1; v <= 3; v++) {
            Path d = tmp.resolve("models/default/v" + v);
            assertThat(Files.readAllBytes(d.resolve(ModelStore.ENCODER))).as("v%d encoder", v).isEqualTo(stored.get(v));
            assertThat(Files.readAllBytes(d.resolve(ModelStore.META))).as("v%d meta", v).isEqualTo(stored.get(-v));
        }
        assertThat(Files.readAllBytes(tmp.resolve("models/default/v5").resolve(ModelStore.ENCODER))).isEqualTo(v5);
    }

    @Test
    void aReplayOfTheSameWeightsKeepsItsNumbersAndRewritesNothing() throws Exception {
        List<AudioWindow> data = CpcTrainerOperatorTest.windows(4);
        try (var h = harness(new CpcTrainerOperator(cfg(store())))) {
            h.open();
            feed(h, data);
        }
        Path v1 = tmp.resolve("models/default/v1").resolve(ModelStore.ENCODER);
        Object inode = Files.readAttributes(v1, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        // the same stream again from the same start (a failover replays from its checkpoint this way): bit-exact
        try (var h = harness(new CpcTrainerOperator(cfg(store())))) {
            h.open();
            feed(h, data);
            feed(h, otherWindows(2)); // then weights never stored before
            assertThat(CpcTrainerOperatorTest.updates(h)).extracting(u -> u.version).containsExactly(1L, 2L, 3L);
        }
        assertThat(Files.readAttributes(v1, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("v1 not rewritten").isEqualTo(inode);
    }

    /** The least encoder bytes (ParameterIO's layout: one block, one 1-element tensor) the store accepts. */
    static byte[] oneWeight() throws java.io.IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(b);
        out.writeInt(1);
        out.writeUTF("01Linear_weight");
        out.writeInt(1);
        out.writeLong(1);
        out.writeFloat(0.5f);
        return b.toByteArray();
    }

    @Test
    void aStoreFolderOfAnotherMethodIsRefusedAtOpen() throws Exception {
        ModelStore.write(store(), "default", 1, 20, 4.2, oneWeight(), java.util.Map.of("method", "simclr"));
        var h = harness(new CpcTrainerOperator(cfg(store())));
        Throwable t = catchThrowable(h::open);
        try {
            h.close();
        } catch (Exception closingAHalfOpenHarness) {
            // the operator never opened
        }
        String msg = message(suppressed(t));
        assertThat(msg).contains("model-id 'default'", "model-store " + store(), "v1 of method simclr",
                "this job trains cpc", "Set model-id to a new name (or model-store to another directory)");
    }

    @Test
    void aSavepointWithAnotherQueueSizeIsRefusedAtRestore() throws Exception {
        TrainerOperatorTest images = new TrainerOperatorTest();
        images.tmp = tmp;
        List<TrainingExample> data = images.examples(8);
        OperatorSubtaskState savepoint;
        try (var h = images.harness(new TrainerOperator(images.cfg()))) { // queue-size 32
            h.open();
            for (TrainingExample e : data) {
                h.processElement(new StreamRecord<>(e));
            }
            savepoint = h.snapshot(1L, 1L);
        }
        Map<String, String> other = new HashMap<>(images.cfg().asMap());
        other.put("queue-size", "64");
        var h = images.harness(new TrainerOperator(JobConfig.of(other)));
        h.setup();
        Throwable t = catchThrowable(() -> h.initializeState(savepoint));
        try {
            h.close();
        } catch (Exception closingAHalfOpenHarness) {
            // the operator never opened
        }
        assertThat(message(suppressed(t))).contains("savepoint was taken with queue-size 32, this job has 64");
    }

    @Test
    void aCpcSavepointWithAnotherGruWidthIsRefusedAtRestore() throws Exception {
        OperatorSubtaskState savepoint;
        try (var h = harness(new CpcTrainerOperator(cfg(store())))) {
            h.open();
            feed(h, CpcTrainerOperatorTest.windows(3));
            savepoint = h.snapshot(1L, 1L);
        }
        var h = harness(new CpcTrainerOperator(cfg(store(), "cpc-gru", "32")));
        h.setup();
        Throwable t = catchThrowable(() -> h.initializeState(savepoint));
        try {
            h.close();
        } catch (Exception closingAHalfOpenHarness) {
            // the operator never opened
        }
        assertThat(message(suppressed(t))).contains("savepoint was taken with cpc-gru 16, this job has 32");
    }

    @Test
    void aSavepointWithoutSettingsRestoresAsBefore() throws Exception {
        List<AudioWindow> data = CpcTrainerOperatorTest.windows(6);
        OperatorSubtaskState savepoint;
        try (var h = harness(new CpcTrainerOperator(cfg(store())))) {
            h.open();
            feed(h, data.subList(0, 4));
            savepoint = h.snapshot(1L, 1L);
        }
        // as an older build wrote it: the keyed state only, no trainer-settings operator state
        OperatorSubtaskState old = OperatorSubtaskState.builder()
                .setManagedKeyedState(savepoint.getManagedKeyedState()).build();
        try (var h = harness(new CpcTrainerOperator(cfg(store(), "cpc-gru", "16")))) {
            h.setup();
            h.initializeState(old);
            h.open();
            feed(h, data.subList(4, 6));
            assertThat(CpcTrainerOperatorTest.updates(h)).extracting(u -> u.version).containsExactly(3L);
        }
    }

    @Test
    void settingsMismatchNamesEverySettingAndSkipsKeysOnlyOneSideHas() {
        Map<String, String> saved = KeyedTrainerOperator.decodeSettings(KeyedTrainerOperator.encodeSettings(
                new java.util.LinkedHashMap<>(Map.of("method", "moco-v2", "queue-size", "4096"))));
        Map<String, String> now = new java.util.LinkedHashMap<>();
        now.put("method", "moco-v2");
        now.put("queue-size", "1024");
        now.put("proj-dim", "64"); // a key the savepoint's build did not record
        assertThat(KeyedTrainerOperator.settingsMismatch(saved, now))
                .isEqualTo("savepoint was taken with queue-size 4096, this job has 1024");
        now.put("queue-size", "4096");
        assertThat(KeyedTrainerOperator.settingsMismatch(saved, now)).isNull();
    }
}
