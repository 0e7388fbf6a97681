package io.contrastream.model.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.augment.image.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderReaderTest {
    @TempDir
    Path root;

    static void png(Path file, int w, int h, int rgb) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    static void grayPng(Path file, int w, int h, int value) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, value);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void readsClassFoldersInSortedOrder() throws IOException {
        png(root.resolve("dog/b.png"), 8, 6, 0x00FF00);
        png(root.resolve("dog/a.png"), 8, 6, 0x0000FF);
        png(root.resolve("cat/x.PNG"), 4, 4, 0xFF0000);
        grayPng(root.resolve("cat/y.png"), 5, 5, 51);
        Files.writeString(root.resolve("cat/notes.txt"), "not an image");
        Files.writeString(root.resolve("README"), "ignored");

        ImageSet rgb = ImageFolderReader.read(root, 3, 10);
        assertThat(rgb.classNames()).containsExactly("cat", "dog");
        assertThat(rgb.labels()).containsExactly(0, 0, 1, 1);
        for (Image img : rgb.images()) {
            assertThat(img.channels).isEqualTo(3);
            assertThat(img.height).isEqualTo(10);
            assertThat(img.width).isEqualTo(10);
        }
        Image red = rgb.images().get(0);
        assertThat(red.get(0, 3, 3)).isEqualTo(1f);
        assertThat(red.get(1, 3, 3)).isEqualTo(0f);
        Image gray = rgb.images().get(1);
        assertThat(gray.get(0, 2, 2)).isCloseTo(0.2f, Offset.offset(1e-6f));
        assertThat(gray.get(2, 2, 2)).isCloseTo(0.2f, Offset.offset(1e-6f));
        Image blue = rgb.images().get(2); // dog/a.png sorts before dog/b.png
        assertThat(blue.get(2, 0, 0)).isEqualTo(1f);

        ImageSet luma = ImageFolderReader.read(root, 1, 4);
        assertThat(luma.images().get(0).channels).isEqualTo(1);
        assertThat(luma.images().get(0).get(0, 1, 1)).isCloseTo(0.299f, Offset.offset(1e-6f));
        assertThat(luma.images().get(3).get(0, 1, 1)).isCloseTo(0.587f, Offset.offset(1e-6f));

        ImageSet asStored = ImageFolderReader.read(root, 3);
        assertThat(asStored.images().get(3).height).isEqualTo(4); // first image's size
    }

    @Test
    void unreadableImageNamesTheFile() throws IOException {
        png(root.resolve("a/ok.png"), 3, 3, 0xFFFFFF);
        Path broken = root.resolve("b/broken.png");
        Files.createDirectories(broken.getParent());
        Files.write(broken, new byte[] {1, 2, 3, 4, 5});
        assertThatThrownBy(() -> ImageFolderReader.read(root, 3, 3)).isInstanceOf(IOException.class)
                .hasMessageContaining(broken.toString());
    }

    @Test
    void emptyOrMissingFoldersAreErrors() throws IOException {
        assertThatThrownBy(() -> ImageFolderReader.read(root.resolve("none"), 3, 8)).hasMessageContaining("not a folder");
        assertThatThrownBy(() -> ImageFolderReader.read(root, 3, 8)).hasMessageContaining("no class sub-folders");
        Files.createDirectories(root.resolve("empty"));
        assertThatThrownBy(() -> ImageFolderReader.read(root, 3, 8)).hasMessageContaining("hold no image files");
        assertThatThrownBy(() -> ImageFolderReader.read(root, 2, 8)).hasMessageContaining("1 (gray) or 3 (RGB)");
    }
}
