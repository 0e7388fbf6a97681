package io.contrastream.model.data;

import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.Resize;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads a labelled image folder: one sub-folder per class, labels assigned in sorted folder-name
 * order, PNG / JPEG files (also GIF and BMP, whatever {@code javax.imageio} decodes) within each,
 * read in sorted file-name order.
 *
 * <pre>{@code
 * ImageSet set = ImageFolderReader.read(Path.of("data/train"), 3, 32);   // root/cat/*.png, root/dog/*.png
 * }</pre>
 *
 * <p>Images are converted to the requested channels (1 = luma 0.299 R + 0.587 G + 0.114 B, 3 = RGB;
 * alpha is ignored, gray files keep their stored gray values) and resized bilinearly to size x size
 * with {@link Resize}. Files whose names do not end in an image extension, and hidden files, are
 * skipped; a file with an image extension that cannot be decoded is an error naming the file.
 */
public final class ImageFolderReader {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".gif", ".bmp");

    private ImageFolderReader() {
    }

    /**
     * Reads every class folder under {@code root}.
     *
     * @param channels 1 or 3
     * @param size side of the square output images, positive
     * @throws IOException if root is not a folder, has no class folders or images, or a file cannot be decoded
     */
    public static ImageSet read(Path root, int channels, int size) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + size);
        }
        return readInternal(root, channels, size);
    }

    /** Reads with the requested channels, resizing every image to the size of the first one. */
    public static ImageSet read(Path root, int channels) throws IOException {
        return readInternal(root, channels, 0);
    }

    private static ImageSet readInternal(Path root, int channels, int size) throws IOException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (gray) or 3 (RGB), got " + channels);
        }
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": not a folder (an image folder has one sub-folder per class)");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !hidden(p)).sorted().toList();
        }
        if (classDirs.isEmpty()) {
            throw new IOException(root + ": has no class sub-folders");
        }
        List<Image> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Resize resize = size > 0 ? new Resize(size) : null;
        for (int label = 0; label < classDirs.size(); label++) {
            Path dir = classDirs.get(label);
            names.add(dir.getFileName().toString());
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(Files::isRegularFile).filter(p -> !hidden(p) && isImageName(p)).sorted().toList();
            }
            for (Path file : files) {
                Image img = decode(file, channels);
                if (resize == null) {
                    resize = new Resize(img.height, img.width);
                }
                images.add(resize.apply(img, null));
                labels.add(label);
            }
        }
        if (images.isEmpty()) {
            throw new IOException(root + ": the class folders " + names + " hold no image files " + EXTENSIONS);
        }
        int[] lbls = labels.stream().mapToInt(Integer::intValue).toArray();
        return new ImageSet(images, lbls, List.copyOf(names));
    }

    /** Decodes one image file into an Image with the given channels at its own size. */
    public static Image decode(Path file, int channels) throws IOException {
        BufferedImage bi;
        try {
            bi = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot decode image: " + e.getMessage(), e);
        }
        if (bi == null) {
            throw new IOException(file + ": not a readable image (no javax.imageio decoder accepts it)");
        }
        int w = bi.getWidth();
        int h = bi.getHeight();
        int plane = w * h;
        float[] px = new float[channels * plane];
        ColorModel cm = bi.getColorModel();
        Raster raster = bi.getRaster();
        if (cm instanceof ComponentColorModel && cm.getNumColorComponents() == 1) {
            // Gray: read the stored samples directly (getRGB would apply a gamma conversion).
            double max = (1L << raster.getSampleModel().getSampleSize(0)) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    float v = (float) (row[x] / max);
                    for (int c = 0; c < channels; c++) {
                        px[c * plane + y * w + x] = v;
                    }
                }
            }
        } else {
            int[] argb = bi.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < plane; i++) {
                int p = argb[i];
                float r = ((p >> 16) & 0xFF) / 255f;
                float g = ((p >> 8) & 0xFF) / 255f;
                float b = (p & 0xFF) / 255f;
                if (channels == 1) {
                    px[i] = Math.min(1f, 0.299f * r + 0.587f * g + 0.114f * b);
                } else {
                    px[i] = r;
                    px[plane + i] = g;
                    px[2 * plane + i] = b;
                }
            }
        }
        return new Image(channels, h, w, px);
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static boolean isImageName(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String ext : EXTENSIONS) {
            if (name.endsWith(ext)) {
                return true;
            }
        }
        return false;
    }
}
