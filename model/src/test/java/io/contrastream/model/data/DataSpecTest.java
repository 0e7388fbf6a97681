package io.contrastream.model.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.augment.image.Image;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSpecTest {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    @Test
    void parsesEachForm() {
        DataSpec idx = DataSpec.parse("idx:/a/img.gz,/a/lbl.gz");
        assertThat(idx.kind()).isEqualTo(DataSpec.Kind.IDX);
        assertThat(idx.path()).isEqualTo(Path.of("/a/img.gz"));
        assertThat(idx.labels()).isEqualTo(Path.of("/a/lbl.gz"));
        assertThat(idx.hasRange()).isFalse();

        DataSpec fm = DataSpec.parse("fashion-mnist:/d");
        assertThat(fm.kind()).isEqualTo(DataSpec.Kind.FASHION_MNIST);
        assertThat(fm.path()).isEqualTo(Path.of("/d"));
        assertThat(fm.split()).isEqualTo("train");
        assertThat(DataSpec.parse("fashion-mnist:/d:test").split()).isEqualTo("test");
        assertThat(DataSpec.parse("fashion-mnist:/d:TRAIN").split()).isEqualTo("train");
        assertThat(DataSpec.parse("mnist:/m:test").kind()).isEqualTo(DataSpec.Kind.MNIST);

        DataSpec folder = DataSpec.parse("imagefolder:/pics/train");
        assertThat(folder.kind()).isEqualTo(DataSpec.Kind.IMAGEFOLDER);
        assertThat(folder.path()).isEqualTo(Path.of("/pics/train"));
        // An '@' that is not a range belongs to the path.
        assertThat(DataSpec.parse("imagefolder:/pics/user@host").path()).isEqualTo(Path.of("/pics/user@host"));
    }

    @Test
    void parsesTheRangeSuffix() {
        DataSpec spec = DataSpec.parse("fashion-mnist:/d:train@55000:60000");
        assertThat(spec.split()).isEqualTo("train");
        assertThat(spec.path()).isEqualTo(Path.of("/d"));
        assertThat(spec.from()).isEqualTo(55000);
        assertThat(spec.to()).isEqualTo(60000);
        assertThat(spec.toString()).isEqualTo("fashion-mnist:/d:train@55000:60000");
        DataSpec idx = DataSpec.parse("idx:i,l@0:10");
        assertThat(idx.labels()).isEqualTo(Path.of("l"));
        assertThat(idx.to()).isEqualTo(10);
        assertThat(DataSpec.parse("imagefolder:/p@3:4").from()).isEqualTo(3);
    }

    @Test
    void malformedSpecsListTheAcceptedForms() {
        for (String bad : new String[] {"", "cifar:/x", "/just/a/path", "idx:only-one", "idx:a,", "fashion-mnist:",
                "imagefolder:", "fashion-mnist:/d@5", "fashion-mnist:/d@9:3"}) {
            assertThatThrownBy(() -> DataSpec.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Accepted forms").hasMessageContaining("idx:IMAGES,LABELS")
                    .hasMessageContaining("fashion-mnist:DIR[:train|test]").hasMessageContaining("@FROM:TO");
        }
        assertThatThrownBy(() -> DataSpec.parse("fashion-mnist:/d@9:3")).hasMessageContaining("FROM must be less than TO");
    }

    @Test
    void readsIdxWithRangeChannelsAndSize() throws IOException {
        Path imgs = IdxReaderTest.write(dir.resolve("train-images-idx3-ubyte"), IdxReaderTest.imagesIdx(6, 4, 4), false);
        IdxReaderTest.write(dir.resolve("train-labels-idx1-ubyte.gz"), IdxReaderTest.labelsIdx(0, 1, 2, 0, 1, 2), true);
        ImageSet sub = DataSpec.parse("fashion-mnist:" + dir + "@2:5").read(3, 8);
        assertThat(sub.size()).isEqualTo(3);
        assertThat(sub.labels()).containsExactly(2, 0, 1);
        Image first = sub.images().get(0);
        assertThat(first.channels).isEqualTo(3);
        assertThat(first.height).isEqualTo(8);
        assertThat(first.get(0, 5, 6)).isEqualTo(first.get(2, 5, 6));

        ImageSet native1 = DataSpec.parse("idx:" + imgs + "," + dir.resolve("train-labels-idx1-ubyte.gz")).read(1, 4);
        assertThat(native1.size()).isEqualTo(6);
        assertThat(native1.images().get(0).data).containsExactly(DataSpec.parse("mnist:" + dir).read().images().get(0).data);

        assertThatThrownBy(() -> DataSpec.parse("mnist:" + dir + "@2:7").read(1, 4))
                .hasMessageContaining("holds 6 images");
        assertThatThrownBy(() -> DataSpec.parse("mnist:" + dir + ":test").read(1, 4))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("t10k-images-idx3-ubyte");
    }

    @Test
    void readsImageFolderSpecs() throws IOException {
        ImageFolderReaderTest.png(dir.resolve("a/1.png"), 6, 6, 0x808080);
        ImageFolderReaderTest.png(dir.resolve("b/1.png"), 6, 6, 0xFFFFFF);
        ImageFolderReaderTest.png(dir.resolve("b/2.png"), 6, 6, 0x000000);
        ImageSet set = DataSpec.parse("imagefolder:" + dir + "@1:3").read(1, 3);
        assertThat(set.labels()).containsExactly(1, 1);
        assertThat(set.classNames()).containsExactly("a", "b");
        assertThat(set.images().get(1).data).containsOnly(0f);
    }

    @Test
    void readsTheInstalledFashionMnistTestSplit() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FASHION), "Fashion-MNIST is not installed at " + FASHION);
        ImageSet test = DataSpec.parse("fashion-mnist:" + FASHION + ":test").read(1, 28);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.classNames()).containsExactlyElementsOf(IdxReader.FASHION_MNIST_CLASSES);
        int[] perClass = new int[10];
        for (int i = 0; i < test.size(); i++) {
            int label = test.labels()[i];
            assertThat(label).isBetween(0, 9);
            perClass[label]++;
            Image img = test.images().get(i);
            assertThat(img.channels).isEqualTo(1);
            assertThat(img.height).isEqualTo(28);
            assertThat(img.width).isEqualTo(28);
        }
        assertThat(perClass).containsOnly(1_000);
    }
}
