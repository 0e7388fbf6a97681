package io.contrastream.flink.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.model.method.registry.Recipes;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model store's rules, without training: a version is never replaced, a failed write leaves no
 * temporary folder, stale ones are cleaned, retention keeps the newest and the pinned versions,
 * {@code file://} folders are owner-only and deletes never follow a symbolic link.
 */
class ModelStoreTest {
    @TempDir
    Path tmp;

    @AfterEach
    void storeNotFull() {
        FaultyFileSystem.full = false;
    }

    String store() {
        return tmp.resolve("models").toUri().toString();
    }

    /** Encoder bytes in ParameterIO's layout (the store converts them to safetensors): {@code s}'s chars. */
    static byte[] bytes(String s) {
        try {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream out = new java.io.DataOutputStream(b);
            out.writeInt(1);
            out.writeUTF("01Linear_weight");
            out.writeInt(1);
            out.writeLong(s.length());
            for (char c : s.toCharArray()) {
                out.writeFloat(c);
            }
            return b.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The least description a version takes: its method. */
    static java.util.Map<String, String> about(String method) {
        return java.util.Map.of("method", method);
    }

    List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anExistingVersionIsNeverReplaced() throws Exception {
        String uri = ModelStore.write(store(), "m", 1, 10, 1.0, bytes("first"), about("cpc"));
        byte[] meta = Files.readAllBytes(tmp.resolve("models/m/v1/version.json"));
        assertThatThrownBy(() -> ModelStore.write(store(), "m", 1, 10, 1.0, bytes("second"), about("cpc")))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(ModelStore.readEncoder(uri)).isEqualTo(bytes("first"));
        assertThat(Files.readAllBytes(tmp.resolve("models/m/v1/version.json"))).isEqualTo(meta);
        ModelStore.Published p = ModelStore.publish(store(), "m", 1, 20, 1.0, bytes("second"), about("cpc"));
        assertThat(p.version()).as("the next free number").isEqualTo(2);
        assertThat(ModelStore.readEncoder(p.uri())).isEqualTo(bytes("second"));
        assertThat(entries(tmp.resolve("models/m"))).containsExactly("v1", "v2");
    }

    @Test
    void aReplayOfTheVeryBytesKeepsItsNumberWithoutRewriting() throws Exception {
        ModelStore.write(store(), "m", 1, 10, 1.5, bytes("w1"), about("cpc"));
        Path enc = tmp.resolve("models/m/v1/encoder.bin");
        Object inode = Files.readAttributes(enc, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        ModelStore.Published same = ModelStore.publish(store(), "m", 1, 10, 1.5, bytes("w1"), about("cpc"));
        assertThat(same.version()).isEqualTo(1);
        assertThat(same.replayed()).isTrue();
        assertThat(Files.readAttributes(enc, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("not rewritten").isEqualTo(inode);
        ModelStore.Published otherStep = ModelStore.publish(store(), "m", 1, 11, 1.5, bytes("w1"), about("cpc"));
        assertThat(otherStep.version()).as("same weights, other version.json: a new number").isEqualTo(2);
        assertThat(otherStep.replayed()).isFalse();
        assertThat(ModelStore.publish(store(), "m", 1, 10, 1.5, bytes("w9"), about("cpc")).version()).isEqualTo(3);
    }

    @Test
    void aFailedWriteRemovesItsTemporaryFolder() throws Exception {
        String store = "faulty://" + tmp.resolve("models").toAbsolutePath();
        ModelStore.write(store, "m", 1, 10, 1.0, bytes("ok"), about("cpc"));
        FaultyFileSystem.full = true;
        assertThatThrownBy(() -> ModelStore.publish(store, "m", 2, 20, 1.0, bytes("lost"), about("cpc")))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left");
        assertThat(entries(tmp.resolve("models/m"))).as("no .v2-<uuid> left behind").containsExactly("v1");
        FaultyFileSystem.full = false;
        assertThat(ModelStore.publish(store, "m", 2, 20, 1.0, bytes("ok2"), about("cpc")).version()).isEqualTo(2);
    }

    @Test
    void staleTemporaryFoldersAreCleanedFreshOnesKept() throws Exception {
        Path m = Files.createDirectories(tmp.resolve("models/m"));
        Path stale = Files.createDirectories(m.resolve(".v5-" + UUID.randomUUID()));
        Files.write(stale.resolve("encoder.bin"), bytes("half"));
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(3600)));
        Path fresh = Files.createDirectories(m.resolve(".v6-" + UUID.randomUUID())); // another writer's, in progress
        Path notOurs = Files.createDirectories(m.resolve(".cache"));
        Files.setLastModifiedTime(notOurs, FileTime.from(Instant.now().minusSeconds(3600)));
        assertThat(ModelStore.cleanStaleTemps(store(), "m", ModelStore.STALE_TEMP_AGE)).isEqualTo(1);
        assertThat(entries(m)).containsExactlyInAnyOrder(fresh.getFileName().toString(), ".cache");
    }

    /**
     * A published version also holds encoder.safetensors: its header (parsed here with Jackson, the
     * project's JSON library, independently of the writer) names every weight of encoder.bin with its
     * shape and byte range, the little-endian data equal the weights, and its metadata is version.json's.
     */
    @Test
    void aVersionIsAlsoSafetensorsWithTheSameMetadata() throws Exception {
        JobConfig cfg = JobConfig.of(java.util.Map.of("method", "simclr"));
        byte[] encoder;
        try (var r = io.contrastream.model.method.registry.Recipes.create(cfg.method(), cfg.recipeParams(),
                cfg.encoderConfig())) {
            encoder = r.exportEncoder();
        }
        ModelStore.Published p = ModelStore.publish(store(), "m", 1, 40, 2.5, encoder,
                io.contrastream.flink.operator.TrainerOperator.servingMetadata(cfg));
        Path dir = tmp.resolve("models/m/v1");
        assertThat(entries(dir)).containsExactly("encoder.bin", "encoder.safetensors", "version.json");
        byte[] file = Files.readAllBytes(dir.resolve(ModelStore.SAFETENSORS));
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var header = json.readTree(new String(file, 8, (int) headerLen, java.nio.charset.StandardCharsets.UTF_8));
        long dataStart = 8 + headerLen;

        // encoder.bin read here as ParameterIO writes it: count, then name, rank, dims, big-endian floats
        var in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(encoder));
        int count = in.readInt();
        assertThat(header.size()).as("every weight and __metadata__").isEqualTo(count + 1);
        long lastEnd = 0;
        for (int i = 0; i < count; i++) {
            String djl = in.readUTF();
            long[] shape = new long[in.readInt()];
            long size = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = in.readLong();
                size *= shape[d];
            }
            String name = io.contrastream.model.state.SafeTensors.torchName(djl);
            var t = header.get(name);
            assertThat(t).as(name + " (" + djl + ")").isNotNull();
            assertThat(t.get("dtype").asText()).isEqualTo("F32");
            for (int d = 0; d < shape.length; d++) {
                assertThat(t.get("shape").get(d).asLong()).as(name).isEqualTo(shape[d]);
            }
            long begin = t.get("data_offsets").get(0).asLong();
            assertThat(begin).as(name + " follows the previous tensor").isEqualTo(lastEnd);
            lastEnd = t.get("data_offsets").get(1).asLong();
            assertThat(lastEnd - begin).isEqualTo(4 * size);
            for (long k = 0; k < size; k++) {
                float expected = in.readFloat();
                assertThat(buf.getFloat((int) (dataStart + begin + 4 * k))).as(name + "[" + k + "]")
                        .isEqualTo(expected);
            }
        }
        assertThat(dataStart + lastEnd).as("nothing after the data").isEqualTo(file.length);
        assertThat(header.get("0.weight").get("shape").toString()).isEqualTo("[16,1,3,3]");

        var meta = header.get("__metadata__");
        assertThat(meta.get("method").asText()).isEqualTo("simclr");
        assertThat(meta.get("architecture").asText()).isEqualTo("resnet-small");
        assertThat(meta.get("input_size").asText()).isEqualTo("28");
        assertThat(meta.get("input_channels").asText()).isEqualTo("1");
        assertThat(meta.get("embedding_dim").asText()).isEqualTo("128");
        assertThat(meta.get("input_scale").asText()).isEqualTo("1/255");
        assertThat(meta.get("input_mean").asText()).isEqualTo("none");
        assertThat(meta.get("metric").asText()).isEqualTo("cosine");
        assertThat(meta.get("model_version").asText()).isEqualTo("1");
        assertThat(meta.get("step").asText()).isEqualTo("40");
        assertThat(json.readTree(dir.resolve(ModelStore.META).toFile()).get("metadata")).isEqualTo(meta);
        assertThat(ModelStore.method(p.uri())).isEqualTo("simclr");
    }

    @Test
    void retentionKeepsTheNewestAndThePinned() throws Exception {
        for (int v = 1; v <= 6; v++) {
            ModelStore.write(store(), "m", v, v, 1.0, bytes("w" + v), about("cpc"));
        }
        assertThat(ModelStore.retain(store(), "m", 3, Set.of(1L))).containsExactly(2L, 3L);
        assertThat(ModelStore.versions(store(), "m")).containsExactly(1L, 4L, 5L, 6L);
        assertThat(entries(tmp.resolve("models/m"))).as("each deleted with its three files").containsExactly("v1", "v4",
                "v5", "v6");
        assertThat(entries(tmp.resolve("models/m/v4"))).containsExactly("encoder.bin", "encoder.safetensors",
                "version.json");
    }

    @Test
    void localFoldersAreOwnerOnly() throws Exception {
        ModelStore.write(store(), "m", 1, 10, 1.0, bytes("w"), about("cpc"));
        for (String dir : List.of("models", "models/m", "models/m/v1")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve(dir))))
                    .as(dir).isEqualTo("rwx------");
        }
    }

    @Test
    void deletesNeverFollowASymbolicLink() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("precious"), "keep me");
        Path m = Files.createDirectories(tmp.resolve("models/m"));
        Files.createSymbolicLink(m.resolve("v1"), outside); // a version folder that is a link: refused
        ModelStore.write(store(), "m", 2, 2, 1.0, bytes("w2"), about("cpc"));
        Files.createSymbolicLink(m.resolve("v2/leak"), outside.resolve("precious")); // a link inside: unlinked only
        Path staleLink = Files.createSymbolicLink(m.resolve(".v9-" + UUID.randomUUID()), outside);
        Files.setLastModifiedTime(outside, FileTime.from(Instant.now().minusSeconds(3600))); // the link looks stale
        for (int v = 3; v <= 4; v++) {
            ModelStore.write(store(), "m", v, v, 1.0, bytes("w" + v), about("cpc"));
        }

        assertThat(ModelStore.retain(store(), "m", 1, Set.of())).containsExactly(2L, 3L);
        assertThat(ModelStore.cleanStaleTemps(store(), "m", ModelStore.STALE_TEMP_AGE)).isZero();

        assertThat(Files.isSymbolicLink(m.resolve("v1"))).as("the link is refused, not deleted").isTrue();
        assertThat(Files.isSymbolicLink(staleLink)).isTrue();
        assertThat(entries(outside)).containsExactly("precious");
        assertThat(Files.readString(outside.resolve("precious"))).isEqualTo("keep me");
        assertThat(Files.exists(m.resolve("v2"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(ModelStore.versions(store(), "m")).containsExactly(1L, 4L);
    }

    @Test
    void deletesRefuseAModelFolderThatIsALink() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(tmp.resolve("models"));
        Files.createSymbolicLink(tmp.resolve("models/m"), real);
        for (int v = 1; v <= 3; v++) {
            ModelStore.write(store(), "m", v, v, 1.0, bytes("w" + v), about("cpc"));
        }
        assertThat(ModelStore.retain(store(), "m", 1, Set.of())).isEmpty();
        assertThat(entries(real)).containsExactly("v1", "v2", "v3");
    }

    @Test
    void foreignVersionsNameTheMethod() throws Exception {
        assertThat(ModelStore.foreignVersions(store(), "m", "cpc")).as("no folder yet").isNull();
        ModelStore.write(store(), "m", 1, 1, 1.0, bytes("w1"), about("simclr"));
        ModelStore.write(store(), "m", 2, 2, 1.0, bytes("w2"), about("simclr"));
        assertThat(ModelStore.foreignVersions(store(), "m", "simclr")).isNull();
        assertThat(ModelStore.foreignVersions(store(), "m", "cpc")).isEqualTo("2 versions (v1..v2) of method simclr");
    }
}
