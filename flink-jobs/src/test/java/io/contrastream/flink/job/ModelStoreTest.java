package io.contrastream.flink.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anExistingVersionIsNeverReplaced() throws Exception {
        String uri = ModelStore.write(store(), "m", 1, 10, 1.0, bytes("first"), "cpc");
        byte[] meta = Files.readAllBytes(tmp.resolve("models/m/v1/version.json"));
        assertThatThrownBy(() -> ModelStore.write(store(), "m", 1, 10, 1.0, bytes("second"), "cpc"))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(ModelStore.readEncoder(uri)).isEqualTo(bytes("first"));
        assertThat(Files.readAllBytes(tmp.resolve("models/m/v1/version.json"))).isEqualTo(meta);
        ModelStore.Published p = ModelStore.publish(store(), "m", 1, 20, 1.0, bytes("second"), "cpc");
        assertThat(p.version()).as("the next free number").isEqualTo(2);
        assertThat(ModelStore.readEncoder(p.uri())).isEqualTo(bytes("second"));
        assertThat(entries(tmp.resolve("models/m"))).containsExactly("v1", "v2");
    }

    @Test
    void aReplayOfTheVeryBytesKeepsItsNumberWithoutRewriting() throws Exception {
        ModelStore.write(store(), "m", 1, 10, 1.5, bytes("w1"), "cpc");
        Path enc = tmp.resolve("models/m/v1/encoder.bin");
        Object inode = Files.readAttributes(enc, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        ModelStore.Published same = ModelStore.publish(store(), "m", 1, 10, 1.5, bytes("w1"), "cpc");
        assertThat(same.version()).isEqualTo(1);
        assertThat(same.replayed()).isTrue();
        assertThat(Files.readAttributes(enc, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("not rewritten").isEqualTo(inode);
        ModelStore.Published otherStep = ModelStore.publish(store(), "m", 1, 11, 1.5, bytes("w1"), "cpc");
        assertThat(otherStep.version()).as("same weights, other version.json: a new number").isEqualTo(2);
        assertThat(otherStep.replayed()).isFalse();
        assertThat(ModelStore.publish(store(), "m", 1, 10, 1.5, bytes("w9"), "cpc").version()).isEqualTo(3);
    }

    @Test
    void aFailedWriteRemovesItsTemporaryFolder() throws Exception {
        String store = "faulty://" + tmp.resolve("models").toAbsolutePath();
        ModelStore.write(store, "m", 1, 10, 1.0, bytes("ok"), "cpc");
        FaultyFileSystem.full = true;
        assertThatThrownBy(() -> ModelStore.publish(store, "m", 2, 20, 1.0, bytes("lost"), "cpc"))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left");
        assertThat(entries(tmp.resolve("models/m"))).as("no .v2-<uuid> left behind").containsExactly("v1");
        FaultyFileSystem.full = false;
        assertThat(ModelStore.publish(store, "m", 2, 20, 1.0, bytes("ok2"), "cpc").version()).isEqualTo(2);
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

    @Test
    void retentionKeepsTheNewestAndThePinned() throws Exception {
        for (int v = 1; v <= 6; v++) {
            ModelStore.write(store(), "m", v, v, 1.0, bytes("w" + v), "cpc");
        }
        assertThat(ModelStore.retain(store(), "m", 3, Set.of(1L))).containsExactly(2L, 3L);
        assertThat(ModelStore.versions(store(), "m")).containsExactly(1L, 4L, 5L, 6L);
    }

    @Test
    void localFoldersAreOwnerOnly() throws Exception {
        ModelStore.write(store(), "m", 1, 10, 1.0, bytes("w"), "cpc");
        for (String dir : List.of("models", "models/m", "models/m/v1")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve(dir))))
                    .as(dir).isEqualTo("rwx------");
        }
    }

    @Test
    void deletesNeverFollowASymbolicLink() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.write(outside.resolve("precious"), bytes("keep me"));
        Path m = Files.createDirectories(tmp.resolve("models/m"));
        Files.createSymbolicLink(m.resolve("v1"), outside); // a version folder that is a link: refused
        ModelStore.write(store(), "m", 2, 2, 1.0, bytes("w2"), "cpc");
        Files.createSymbolicLink(m.resolve("v2/leak"), outside.resolve("precious")); // a link inside: unlinked only
        Path staleLink = Files.createSymbolicLink(m.resolve(".v9-" + UUID.randomUUID()), outside);
        Files.setLastModifiedTime(outside, FileTime.from(Instant.now().minusSeconds(3600))); // the link looks stale
        for (int v = 3; v <= 4; v++) {
            ModelStore.write(store(), "m", v, v, 1.0, bytes("w" + v), "cpc");
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
            ModelStore.write(store(), "m", v, v, 1.0, bytes("w" + v), "cpc");
        }
        assertThat(ModelStore.retain(store(), "m", 1, Set.of())).isEmpty();
        assertThat(entries(real)).containsExactly("v1", "v2", "v3");
    }

    @Test
    void foreignVersionsNameTheMethod() throws Exception {
        assertThat(ModelStore.foreignVersions(store(), "m", "cpc")).as("no folder yet").isNull();
        ModelStore.write(store(), "m", 1, 1, 1.0, bytes("w1"), "simclr");
        ModelStore.write(store(), "m", 2, 2, 1.0, bytes("w2"), "simclr");
        assertThat(ModelStore.foreignVersions(store(), "m", "simclr")).isNull();
        assertThat(ModelStore.foreignVersions(store(), "m", "cpc")).isEqualTo("2 versions (v1..v2) of method simclr");
    }
}
