package io.contrastream.codecs;

import static io.contrastream.codecs.ImageDecoderTest.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.connectors.format.FormatException;
import io.contrastream.connectors.format.avro.ImageEncoding;
import io.contrastream.model.augment.image.Image;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pixel values for every kind of PNG/JPEG ImageIO writes and reads (palette, gray, gray+alpha, RGB,
 * RGBA, 8 and 16 bits), read from whole raster rows; and decoding that never touches the disk.
 */
class ImageDecoderPixelTest {
    static final int W = 37;
    static final int H = 11;
    final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);

    static byte[] write(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).as("a %s writer for %s", format, img).isTrue();
        return out.toByteArray();
    }

    static BufferedImage read(byte[] bytes) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(bytes));
    }

    static int value(int x, int y, int band, int max) {
        return (x * 37 + y * 101 + band * 71 + (x * y) % 13) % (max + 1);
    }

    static BufferedImage filled(BufferedImage img, int max) {
        WritableRaster r = img.getRaster();
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int b = 0; b < r.getNumBands(); b++) {
                    r.setSample(x, y, b, value(x, y, b, max));
                }
            }
        }
        return img;
    }

    static BufferedImage component(int colorSpace, boolean alpha, int dataType) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(colorSpace), alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, dataType);
        return new BufferedImage(cm, cm.createCompatibleWritableRaster(W, H), false, null);
    }

    /** index i → a colour nothing like i: (255 − i, 7i, 13i + 5), alpha varying when asked. */
    static IndexColorModel palette(int bits, boolean alpha) {
        int n = 1 << bits;
        byte[] r = new byte[n];
        byte[] g = new byte[n];
        byte[] b = new byte[n];
        byte[] a = new byte[n];
        for (int i = 0; i < n; i++) {
            r[i] = (byte) (255 - i);
            g[i] = (byte) (i * 7);
            b[i] = (byte) (i * 13 + 5);
            a[i] = (byte) (255 - 3 * i);
        }
        return alpha ? new IndexColorModel(bits, n, r, g, b, a) : new IndexColorModel(bits, n, r, g, b);
    }

    static BufferedImage indexed(int bits, boolean alpha) {
        IndexColorModel cm = palette(bits, alpha);
        int type = bits == 8 ? BufferedImage.TYPE_BYTE_INDEXED : BufferedImage.TYPE_BYTE_BINARY;
        return filled(new BufferedImage(W, H, type, cm), (1 << bits) - 1);
    }

    /** The previous per-pixel definition: getRGB's 8-bit sRGB, luma 0.299/0.587/0.114 for one channel. */
    static float[] viaGetRgb(BufferedImage img, int c) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] px = new float[c * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                float r = ((rgb >> 16) & 0xFF) / 255f;
                float g = ((rgb >> 8) & 0xFF) / 255f;
                float b = (rgb & 0xFF) / 255f;
                if (c == 1) {
                    px[y * w + x] = 0.299f * r + 0.587f * g + 0.114f * b;
                } else {
                    px[y * w + x] = r;
                    px[(h + y) * w + x] = g;
                    px[(2 * h + y) * w + x] = b;
                }
            }
        }
        return px;
    }

    Image decode(byte[] bytes, ImageEncoding enc, int c) throws FormatException {
        return decoder.decode(record(enc, W, H, c, bytes));
    }

    @Test
    void palettePngsDecodeToThePaletteColoursNotTheIndices() throws Exception {
        for (int bits : new int[] {8, 4, 2}) {
            for (boolean alpha : new boolean[] {false, true}) {
                byte[] png = write(indexed(bits, alpha), "png");
                assertThat(read(png).getColorModel()).as("ImageIO reads it back as a palette image")
                        .isInstanceOf(IndexColorModel.class);
                IndexColorModel cm = palette(bits, alpha);
                Image rgb = decode(png, ImageEncoding.PNG, 3);
                Image gray = decode(png, ImageEncoding.PNG, 1);
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        int i = value(x, y, 0, (1 << bits) - 1);
                        float r = cm.getRed(i) / 255f;
                        float g = cm.getGreen(i) / 255f;
                        float b = cm.getBlue(i) / 255f;
                        String at = bits + "-bit palette, alpha " + alpha + ", index " + i + " at " + x + "," + y;
                        assertThat(rgb.get(0, y, x)).as(at).isEqualTo(r);
                        assertThat(rgb.get(1, y, x)).as(at).isEqualTo(g);
                        assertThat(rgb.get(2, y, x)).as(at).isEqualTo(b);
                        assertThat(gray.get(0, y, x)).as(at).isEqualTo(0.299f * r + 0.587f * g + 0.114f * b);
                    }
                }
            }
        }
    }

    @Test
    void lowBitDepthGrayPngsAreGrayLevels() throws Exception {
        // ImageIO reads 1/2/4-bit gray PNGs as palette images with a gray ramp: still gray levels i / (2^b − 1)
        BufferedImage binary = filled(new BufferedImage(W, H, BufferedImage.TYPE_BYTE_BINARY), 1);
        for (int bits : new int[] {1, 2, 4}) {
            int n = 1 << bits;
            byte[] ramp = new byte[n];
            for (int i = 0; i < n; i++) {
                ramp[i] = (byte) (i * 255 / (n - 1));
            }
            BufferedImage img = bits == 1 ? binary : filled(new BufferedImage(W, H, BufferedImage.TYPE_BYTE_BINARY,
                    new IndexColorModel(bits, n, ramp, ramp, ramp)), n - 1);
            byte[] png = write(img, "png");
            for (int c : new int[] {1, 3}) {
                Image out = decode(png, ImageEncoding.PNG, c);
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        for (int ch = 0; ch < c; ch++) {
                            assertThat(out.get(ch, y, x)).as("%d-bit gray at %d,%d", bits, x, y)
                                    .isEqualTo((value(x, y, 0, n - 1) * 255 / (n - 1)) / 255f);
                        }
                    }
                }
            }
        }
    }

    @Test
    void rowReadsGiveTheSamePixelsAsGetRgb() throws Exception {
        Map<String, byte[]> images = new LinkedHashMap<>();
        images.put("png rgb8", write(filled(new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR), 255), "png"));
        images.put("png int rgb", write(filled(new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB), 255), "png"));
        images.put("png rgba8", write(filled(new BufferedImage(W, H, BufferedImage.TYPE_INT_ARGB), 255), "png"));
        images.put("png abgr8", write(filled(new BufferedImage(W, H, BufferedImage.TYPE_4BYTE_ABGR), 255), "png"));
        images.put("png palette8", write(indexed(8, false), "png"));
        images.put("png palette8 alpha", write(indexed(8, true), "png"));
        images.put("png palette4", write(indexed(4, false), "png"));
        images.put("jpeg rgb", write(filled(new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR), 255), "jpeg"));
        for (Map.Entry<String, byte[]> e : images.entrySet()) {
            ImageEncoding enc = e.getKey().startsWith("png") ? ImageEncoding.PNG : ImageEncoding.JPEG;
            BufferedImage back = read(e.getValue());
            for (int c : new int[] {1, 3}) {
                assertThat(decode(e.getValue(), enc, c).data).as("%s, %d channel(s)", e.getKey(), c)
                        .containsExactly(viaGetRgb(back, c));
            }
        }
    }

    @Test
    void grayIsItsSampleValuesAtAnyDepthWithOrWithoutAlpha() throws Exception {
        Map<String, Object[]> images = new LinkedHashMap<>();
        images.put("gray8", new Object[] {filled(new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY), 255), 255});
        images.put("gray16", new Object[] {filled(new BufferedImage(W, H, BufferedImage.TYPE_USHORT_GRAY), 65535),
            65535});
        images.put("gray8+alpha", new Object[] {filled(component(ColorSpace.CS_GRAY, true, DataBuffer.TYPE_BYTE), 255),
            255});
        images.put("gray16+alpha", new Object[] {filled(component(ColorSpace.CS_GRAY, true, DataBuffer.TYPE_USHORT),
            65535), 65535});
        for (Map.Entry<String, Object[]> e : images.entrySet()) {
            int max = (Integer) e.getValue()[1];
            byte[] png = write((BufferedImage) e.getValue()[0], "png");
            assertThat(read(png).getRaster().getNumBands()).isEqualTo(e.getKey().contains("alpha") ? 2 : 1);
            for (int c : new int[] {1, 3}) {
                Image out = decode(png, ImageEncoding.PNG, c);
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        for (int ch = 0; ch < c; ch++) {
                            assertThat(out.get(ch, y, x)).as("%s at %d,%d", e.getKey(), x, y)
                                    .isEqualTo(value(x, y, 0, max) / (float) max);
                        }
                    }
                }
            }
        }
    }

    @Test
    void sixteenBitRgbKeepsItsPrecision() throws Exception {
        for (boolean alpha : new boolean[] {false, true}) {
            byte[] png = write(filled(component(ColorSpace.CS_sRGB, alpha, DataBuffer.TYPE_USHORT), 65535), "png");
            BufferedImage back = read(png);
            assertThat(back.getColorModel().getComponentSize(0)).isEqualTo(16);
            Image rgb = decode(png, ImageEncoding.PNG, 3);
            float[] coarse = viaGetRgb(back, 3);   // getRGB rounds to 8 bits
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        float v = rgb.get(ch, y, x);
                        assertThat(v).isEqualTo(value(x, y, ch, 65535) / 65535f);
                        assertThat(Math.abs(v - coarse[(ch * H + y) * W + x])).isLessThanOrEqualTo(0.5f / 255 + 1e-6f);
                    }
                }
            }
            Image gray = decode(png, ImageEncoding.PNG, 1);
            float r = value(3, 2, 0, 65535) / 65535f;
            float g = value(3, 2, 1, 65535) / 65535f;
            float b = value(3, 2, 2, 65535) / 65535f;
            assertThat(gray.get(0, 2, 3)).isEqualTo(0.299f * r + 0.587f * g + 0.114f * b);
        }
    }

    /** Fails on any per-pixel colour conversion: the decoder must read whole raster rows instead. */
    static final class NoGetRgb extends BufferedImage {
        NoGetRgb(BufferedImage img) {
            super(img.getColorModel(), img.getRaster(), img.isAlphaPremultiplied(), null);
        }

        @Override
        public int getRGB(int x, int y) {
            throw new AssertionError("getRGB per pixel");
        }

        @Override
        public int[] getRGB(int x, int y, int w, int h, int[] rgb, int offset, int scan) {
            throw new AssertionError("getRGB per row");
        }
    }

    @Test
    void theReadersImageTypesAreReadWithoutGetRgb() throws Exception {
        BufferedImage[] sources = {filled(new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR), 255),
            filled(new BufferedImage(W, H, BufferedImage.TYPE_INT_ARGB), 255), indexed(8, true), indexed(2, false),
            filled(new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY), 255),
            filled(component(ColorSpace.CS_sRGB, true, DataBuffer.TYPE_USHORT), 65535)};
        for (BufferedImage src : sources) {
            for (String format : new String[] {"png", "jpeg"}) {
                if (format.equals("jpeg") && src.getColorModel().hasAlpha()) {
                    continue;   // no alpha in JPEG
                }
                if (format.equals("jpeg") && src.getColorModel() instanceof IndexColorModel) {
                    continue;
                }
                BufferedImage back = read(write(src, format));
                for (int c : new int[] {1, 3}) {
                    Image fast = ImageDecoder.toImage(new NoGetRgb(back), c);
                    assertThat(fast.data).hasSize(c * W * H);
                }
            }
        }
    }

    @Test
    void subimagesSharingTheirParentsBufferReadTheirOwnPixels() {
        // a subimage's raster is a window onto the parent's data buffer (offset, translated sample model)
        BufferedImage[] parents = {filled(new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR), 255),
            filled(new BufferedImage(W, H, BufferedImage.TYPE_4BYTE_ABGR), 255), indexed(8, false), indexed(4, true),
            filled(component(ColorSpace.CS_sRGB, false, DataBuffer.TYPE_USHORT), 65535)};
        for (BufferedImage parent : parents) {
            BufferedImage sub = parent.getSubimage(5, 3, 20, 6);
            for (int c : new int[] {1, 3}) {
                float[] expected = viaGetRgb(sub, c);
                float[] actual = ImageDecoder.toImage(sub, c).data;
                for (int i = 0; i < expected.length; i++) {
                    assertThat(actual[i]).as("%s, %d channel(s), value %d", parent, c, i)
                            .isCloseTo(expected[i], org.assertj.core.api.Assertions.within(0.5f / 255 + 1e-6f));
                }
            }
        }
        BufferedImage gray = filled(new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY), 255).getSubimage(5, 3, 20, 6);
        Image out = ImageDecoder.toImage(gray, 1);
        assertThat(out.get(0, 0, 0)).isEqualTo(value(5, 3, 0, 255) / 255f);
        assertThat(out.get(0, 5, 19)).isEqualTo(value(24, 8, 0, 255) / 255f);
    }

    @Test
    void otherColourModelsStillConvertThroughGetRgb() {
        BufferedImage direct = filled(new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB), 255);
        BufferedImage premultiplied = filled(new BufferedImage(W, H, BufferedImage.TYPE_INT_ARGB_PRE), 255);
        BufferedImage linear = filled(component(ColorSpace.CS_LINEAR_RGB, false, DataBuffer.TYPE_BYTE), 255);
        for (BufferedImage img : new BufferedImage[] {direct, premultiplied, linear}) {
            for (int c : new int[] {1, 3}) {
                assertThat(ImageDecoder.toImage(img, c).data).containsExactly(viaGetRgb(img, c));
            }
        }
    }

    @Test
    void pngAndJpegDecodeFromMemoryWithTheTempDirectoryGone(@TempDir Path base) throws Exception {
        BufferedImage src = filled(new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR), 255);
        byte[] png = write(src, "png");   // encoded before the cache directory goes away
        byte[] jpeg = write(src, "jpeg");
        float[] pngPixels = viaGetRgb(read(png), 3);
        File gone = base.resolve("gone").toFile();
        assertThat(gone.mkdir()).isTrue();
        boolean useCache = ImageIO.getUseCache();
        File cacheDir = ImageIO.getCacheDirectory();
        String tmp = System.getProperty("java.io.tmpdir");
        try {
            // ImageIO's defaults: a disk cache, here in a directory that no longer exists (like a /tmp
            // that is full, read-only or gone): any attempt to create a cache file fails
            ImageIO.setUseCache(true);
            ImageIO.setCacheDirectory(gone);
            System.setProperty("java.io.tmpdir", gone.getPath());
            assertThat(gone.delete()).isTrue();
            assertThat(decode(png, ImageEncoding.PNG, 3).data).containsExactly(pngPixels);
            assertThat(decode(jpeg, ImageEncoding.JPEG, 3).data).hasSize(3 * W * H);
            // the header checks too (a mismatch is found from the header, still without a cache file)
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> decoder.decode(record(ImageEncoding.PNG, W + 1,
                    H, 3, png))).hasMessageContaining("header says " + W + "x" + H);
            assertThat(gone).doesNotExist();
        } finally {
            System.setProperty("java.io.tmpdir", tmp);
            ImageIO.setCacheDirectory(cacheDir);
            ImageIO.setUseCache(useCache);
        }
    }
}
