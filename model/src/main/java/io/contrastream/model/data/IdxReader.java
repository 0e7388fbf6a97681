package io.contrastream.model.data;

import io.contrastream.model.augment.image.Image;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: unsigned-byte images (magic
 * {@code 0x00000803}, N x H x W) and unsigned-byte labels (magic {@code 0x00000801}, N), each
 * either gzip-compressed (recognised by the gzip magic bytes, whatever the file name) or plain.
 *
 * <pre>{@code
 * ImageSet test = IdxReader.read(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
 * }</pre>
 *
 * <p>Pixels become 1-channel {@link Image}s with values {@code byte / 255f}. Class names are the
 * label numbers "0".."K-1" (K = largest label + 1), except for Fashion-MNIST with 10 classes, which
 * gets its class names; {@link #read(Path, Path)} recognises Fashion-MNIST by the word "fashion" in
 * the images path, {@link #read(Path, Path, boolean)} is told.
 */
public final class IdxReader {
    /** Magic number of an unsigned-byte 3-D array (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an unsigned-byte 1-D array (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    /** The Fashion-MNIST class names, by label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private IdxReader() {
    }

    /** Reads images and labels; Fashion-MNIST is recognised by "fashion" in the images path. */
    public static ImageSet read(Path images, Path labels) throws IOException {
        boolean fashion = images.toAbsolutePath().toString().toLowerCase(Locale.ROOT).contains("fashion");
        return read(images, labels, fashion);
    }

    /**
     * Reads images and labels.
     *
     * @param fashionMnist whether to name the classes as Fashion-MNIST's (when there are 10)
     * @throws IOException if a file cannot be read, is not IDX data of the right kind, or is truncated
     * @throws IllegalArgumentException if the two files hold different numbers of items
     */
    public static ImageSet read(Path images, Path labels, boolean fashionMnist) throws IOException {
        List<Image> imgs = readImages(images);
        int[] lbls = readLabels(labels);
        if (imgs.size() != lbls.length) {
            throw new IllegalArgumentException("count mismatch: " + images + " holds " + imgs.size()
                    + " images but " + labels + " holds " + lbls.length + " labels");
        }
        int classes = 0;
        for (int l : lbls) {
            classes = Math.max(classes, l + 1);
        }
        List<String> names;
        if (fashionMnist && classes == FASHION_MNIST_CLASSES.size()) {
            names = FASHION_MNIST_CLASSES;
        } else {
            List<String> numbers = new ArrayList<>(classes);
            for (int i = 0; i < classes; i++) {
                numbers.add(Integer.toString(i));
            }
            names = List.copyOf(numbers);
        }
        return new ImageSet(imgs, lbls, names);
    }

    /** Reads an IDX image file into 1-channel images. */
    public static List<Image> readImages(Path file) throws IOException {
        try (InputStream in = open(file)) {
            int magic = readInt(in, file, "magic number");
            if (magic != IMAGES_MAGIC) {
                throw new IOException(file + ": bad magic number " + hex(magic) + ", expected " + hex(IMAGES_MAGIC)
                        + " (IDX unsigned-byte images)" + (magic == LABELS_MAGIC ? "; this looks like a label file" : ""));
            }
            int n = readInt(in, file, "image count");
            int h = readInt(in, file, "row count");
            int w = readInt(in, file, "column count");
            if (n < 0 || h <= 0 || w <= 0 || (long) h * w > Integer.MAX_VALUE / 4) {
                throw new IOException(file + ": bad dimensions " + n + "x" + h + "x" + w);
            }
            int plane = h * w;
            byte[] buf = new byte[plane];
            List<Image> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int got = in.readNBytes(buf, 0, plane);
                if (got < plane) {
                    throw new IOException(file + ": truncated: header promises " + n + " images of " + h + "x" + w
                            + " but the data ends inside image " + i);
                }
                float[] px = new float[plane];
                for (int j = 0; j < plane; j++) {
                    px[j] = (buf[j] & 0xFF) / 255f;
                }
                out.add(new Image(1, h, w, px));
            }
            checkEnd(in, file);
            return out;
        } catch (EOFException | ZipException e) {
            throw new IOException(file + ": truncated or corrupt compressed data: " + e.getMessage(), e);
        }
    }

    /** Reads an IDX label file. */
    public static int[] readLabels(Path file) throws IOException {
        try (InputStream in = open(file)) {
            int magic = readInt(in, file, "magic number");
            if (magic != LABELS_MAGIC) {
                throw new IOException(file + ": bad magic number " + hex(magic) + ", expected " + hex(LABELS_MAGIC)
                        + " (IDX unsigned-byte labels)" + (magic == IMAGES_MAGIC ? "; this looks like an image file" : ""));
            }
            int n = readInt(in, file, "label count");
            if (n < 0) {
                throw new IOException(file + ": bad label count " + n);
            }
            byte[] buf = in.readNBytes(n);
            if (buf.length < n) {
                throw new IOException(file + ": truncated: header promises " + n + " labels but only "
                        + buf.length + " follow");
            }
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = buf[i] & 0xFF;
            }
            checkEnd(in, file);
            return out;
        } catch (EOFException | ZipException e) {
            throw new IOException(file + ": truncated or corrupt compressed data: " + e.getMessage(), e);
        }
    }

    /** Opens the file, decompressing if it starts with the gzip magic bytes 1f 8b. */
    private static InputStream open(Path file) throws IOException {
        InputStream raw;
        try {
            raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "IDX file not found");
        }
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
            } catch (IOException e) {
                raw.close();
                throw new IOException(file + ": bad gzip header: " + e.getMessage(), e);
            }
        }
        return raw;
    }

    private static int readInt(InputStream in, Path file, String what) throws IOException {
        byte[] b = in.readNBytes(4);
        if (b.length < 4) {
            throw new IOException(file + ": truncated: the file ends before the " + what + " in its IDX header");
        }
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    private static void checkEnd(InputStream in, Path file) throws IOException {
        if (in.read() != -1) {
            throw new IOException(file + ": has extra bytes after the data its IDX header describes");
        }
    }

    private static String hex(int v) {
        return String.format("0x%08X", v);
    }
}
