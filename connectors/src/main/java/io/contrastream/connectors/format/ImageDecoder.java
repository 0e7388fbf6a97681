package io.contrastream.connectors.format;

import io.contrastream.connectors.format.avro.ImageEncoding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.model.augment.image.Image;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an {@link ImageRecord} into float pixels, or says why it cannot.
 *
 * <pre>{@code
 * Image img = new ImageDecoder(ImageLimits.DEFAULT).decode(record);   // throws FormatException(reason)
 * }</pre>
 *
 * <p>Checks, in order and before decoding any pixel: channels 1 or 3; declared dimensions positive
 * and within {@link ImageLimits}; byte count within limits; for RAW_U8 the exact byte count
 * height × width × channels; for PNG/JPEG the header's dimensions equal the declared ones (a
 * decompression bomb is refused from its header). Decoded colour images are converted to the
 * declared channel count (luma for gray).
 */
public final class ImageDecoder implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final ImageLimits limits;

    public ImageDecoder(ImageLimits limits) {
        this.limits = limits;
    }

    public Image decode(ImageRecord r) throws FormatException {
        int c = r.getChannels();
        int w = r.getWidth();
        int h = r.getHeight();
        if (c != 1 && c != 3) {
            throw new FormatException("unsupported channel count " + c + " (1 or 3)");
        }
        if (w <= 0 || h <= 0) {
            throw new FormatException("bad dimensions " + w + "x" + h);
        }
        if ((long) w * h > limits.maxPixels()) {
            throw new FormatException("image of " + w + "x" + h + " exceeds the limit of " + limits.maxPixels()
                    + " pixels");
        }
        ByteBuffer buf = r.getBytes();
        int n = buf.remaining();
        if (n == 0) {
            throw new FormatException("empty image bytes");
        }
        if (n > limits.maxBytes()) {
            throw new FormatException("image of " + n + " bytes exceeds the limit of " + limits.maxBytes() + " bytes");
        }
        byte[] bytes = new byte[n];
        buf.duplicate().get(bytes);
        ImageEncoding enc = r.getEncoding();
        if (enc == ImageEncoding.RAW_U8) {
            return raw(bytes, c, h, w);
        }
        return compressed(bytes, enc, c, h, w);
    }

    private static Image raw(byte[] bytes, int c, int h, int w) throws FormatException {
        long expected = (long) h * w * c;
        if (bytes.length != expected) {
            throw new FormatException("RAW_U8 image of " + w + "x" + h + "x" + c + " needs " + expected + " bytes, got "
                    + bytes.length);
        }
        float[] px = new float[bytes.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    px[(ch * h + y) * w + x] = (bytes[(y * w + x) * c + ch] & 0xFF) / 255f;
                }
            }
        }
        return new Image(c, h, w, px);
    }

    private static Image compressed(byte[] bytes, ImageEncoding enc, int c, int h, int w) throws FormatException {
        String format = enc == ImageEncoding.PNG ? "png" : "jpeg";
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new FormatException("corrupt image: no " + enc + " decoder recognises the bytes");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                String actual = reader.getFormatName().toLowerCase(java.util.Locale.ROOT);
                if (!actual.equals(format) && !(format.equals("jpeg") && actual.equals("jpg"))) {
                    throw new FormatException("declared " + enc + " but the bytes are " + actual.toUpperCase(java.util.Locale.ROOT));
                }
                int hw = reader.getWidth(0);
                int hh = reader.getHeight(0);
                if (hw != w || hh != h) {
                    throw new FormatException("declared " + w + "x" + h + " but the " + enc + " header says " + hw + "x" + hh);
                }
                BufferedImage img = reader.read(0);
                return toImage(img, c);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new FormatException("corrupt " + enc + " image: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    private static Image toImage(BufferedImage img, int c) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] px = new float[c * w * h];
        Raster raster = img.getRaster();
        boolean gray = raster.getNumBands() < 3;
        if (gray) {
            int[] row = new int[w];
            int max = (1 << img.getSampleModel().getSampleSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    float v = row[x] / (float) max;
                    for (int ch = 0; ch < c; ch++) {
                        px[(ch * h + y) * w + x] = v;
                    }
                }
            }
        } else {
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
        }
        return new Image(c, h, w, px);
    }
}
