package io.contrastream.model.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** IDX bytes for n images of h x w whose pixel j of image i is (i * 31 + j) mod 256. */
    static byte[] imagesIdx(int n, int h, int w) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxReader.IMAGES_MAGIC);
        out.writeInt(n);
        out.writeInt(h);
        out.writeInt(w);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < h * w; j++) {
                out.writeByte((i * 31 + j) & 0xFF);
            }
        }
        return bytes.toByteArray();
    }

    static byte[] labelsIdx(int... labels) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxReader.LABELS_MAGIC);
        out.writeInt(labels.length);
        for (int l : labels) {
            out.writeByte(l);
        }
        return bytes.toByteArray();
    }

    static Path write(Path file, byte[] data, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(data);
        }
        return file;
    }

    @Test
    void readsPlainAndGzippedFilesAlike() throws IOException {
        byte[] imgs = imagesIdx(3, 4, 5);
        byte[] lbls = labelsIdx(2, 0, 1);
        // Gzip is detected by content: the gzipped file has no .gz suffix, the plain one has.
        ImageSet gz = IdxReader.read(write(dir.resolve("imgs"), imgs, true), write(dir.resolve("lbls"), lbls, true));
        ImageSet plain = IdxReader.read(write(dir.resolve("imgs.gz"), imgs, false), write(dir.resolve("lbls.gz"), lbls, false));
        for (ImageSet set : new ImageSet[] {gz, plain}) {
            assertThat(set.size()).isEqualTo(3);
            assertThat(set.labels()).containsExactly(2, 0, 1);
            assertThat(set.classNames()).containsExactly("0", "1", "2");
            assertThat(set.images().get(1).channels).isEqualTo(1);
            assertThat(set.images().get(1).height).isEqualTo(4);
            assertThat(set.images().get(1).width).isEqualTo(5);
            assertThat(set.images().get(1).get(0, 1, 2)).isEqualTo((31 + 7) / 255f);
        }
        assertThat(gz.images().get(2).data).containsExactly(plain.images().get(2).data);
    }

    @Test
    void fashionMnistGetsItsClassNames() throws IOException {
        Path fashion = Files.createDirectories(dir.resolve("Fashion-MNIST"));
        int[] ten = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        ImageSet set = IdxReader.read(write(fashion.resolve("i"), imagesIdx(10, 2, 2), true),
                write(fashion.resolve("l"), labelsIdx(ten), true));
        assertThat(set.classNames()).containsExactlyElementsOf(IdxReader.FASHION_MNIST_CLASSES);
        assertThat(set.classNames().get(9)).isEqualTo("Ankle boot");
        ImageSet digits = IdxReader.read(fashion.resolve("i"), fashion.resolve("l"), false);
        assertThat(digits.classNames()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    }

    @Test
    void badMagicNamesTheFile() throws IOException {
        Path lbls = write(dir.resolve("labels.bin"), labelsIdx(1), false);
        Path imgs = write(dir.resolve("images.bin"), imagesIdx(1, 2, 2), false);
        assertThatThrownBy(() -> IdxReader.read(lbls, lbls)).isInstanceOf(IOException.class)
                .hasMessageContaining(lbls.toString()).hasMessageContaining("bad magic number 0x00000801")
                .hasMessageContaining("label file");
        assertThatThrownBy(() -> IdxReader.readLabels(imgs)).hasMessageContaining(imgs.toString())
                .hasMessageContaining("bad magic");
    }

    @Test
    void truncatedFilesNameTheFile() throws IOException {
        byte[] imgs = imagesIdx(4, 3, 3);
        Path cut = write(dir.resolve("cut"), Arrays.copyOf(imgs, imgs.length - 5), false);
        assertThatThrownBy(() -> IdxReader.readImages(cut)).isInstanceOf(IOException.class)
                .hasMessageContaining(cut.toString()).hasMessageContaining("truncated");
        Path header = write(dir.resolve("header"), Arrays.copyOf(imgs, 6), false);
        assertThatThrownBy(() -> IdxReader.readImages(header)).hasMessageContaining(header.toString())
                .hasMessageContaining("truncated");
        byte[] gz = Files.readAllBytes(write(dir.resolve("whole.gz"), imgs, true));
        Path cutGz = write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length - 10), false);
        assertThatThrownBy(() -> IdxReader.readImages(cutGz)).isInstanceOf(IOException.class)
                .hasMessageContaining(cutGz.toString()).hasMessageContaining("truncated");
        byte[] lbls = labelsIdx(1, 2, 3);
        Path cutLabels = write(dir.resolve("cutl"), Arrays.copyOf(lbls, lbls.length - 1), false);
        assertThatThrownBy(() -> IdxReader.readLabels(cutLabels)).hasMessageContaining(cutLabels.toString())
                .hasMessageContaining("3 labels but only 2");
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        Path imgs = write(dir.resolve("i.gz"), imagesIdx(3, 2, 2), true);
        Path lbls = write(dir.resolve("l.gz"), labelsIdx(0, 1), true);
        assertThatThrownBy(() -> IdxReader.read(imgs, lbls)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(imgs.toString()).hasMessageContaining(lbls.toString())
                .hasMessageContaining("3 images").hasMessageContaining("2 labels");
    }

    @Test
    void missingFileIsAnError() {
        Path none = dir.resolve("nothing-here");
        assertThatThrownBy(() -> IdxReader.readImages(none)).isInstanceOf(IOException.class)
                .hasMessageContaining(none.toString());
    }
}
