// A 5x9 bitmap font for plot.ts: digits, lower-case letters (upper case is drawn with them) and the
// punctuation of numbers and labels. Each glyph is 9 rows, top to bottom (rows 0-6 above the
// baseline, 7-8 the descenders of g, j, p, q, y, ',' and '_'); each row one base-32 digit
// (0-9a-v) whose 5 bits are the pixels, left = 16. For example '0' = 'ehjlphe00':
// e = .###.  h = #...#  j = #..##  l = #.#.#  p = ##..#  h = #...#  e = .###.

const GLYPHS: Record<string, string> = {
  '0': 'ehjlphe00', '1': '4c4444e00', '2': 'eh1248v00', '3': 'v2421he00', '4': '26aiv2200', '5': 'vgu11he00',
  '6': '68guhhe00', '7': 'v12488800', '8': 'ehhehhe00', '9': 'ehhf12c00', 'a': '00e1fhf00', 'b': 'gguhhhu00',
  'c': '00eggge00', 'd': '11fhhhf00', 'e': '00ehvge00', 'f': '698s88800', 'g': '00fhhhf1e', 'h': 'gguhhhh00',
  'i': '40c444e00', 'j': '2062222ic', 'k': 'ggikoki00', 'l': 'c44444e00', 'm': '00qllll00', 'n': '00uhhhh00',
  'o': '00ehhhe00', 'p': '00uhhhugg', 'q': '00fhhhf11', 'r': '00mpggg00', 's': '00fge1u00', 't': '88s889600',
  'u': '00hhhjd00', 'v': '00hhha400', 'w': '00hhlla00', 'x': '00ha4ah00', 'y': '00hhhhf1e', 'z': '00v248v00',
  '.': '00000cc00', ',': '00000c480', '-': '000v00000', '+': '044v44000', ':': '0cc0cc000', '(': '248884200',
  ')': '842224800', '_': '0000000v0', '/': '122488g00', '%': 'op248j300', '=': '00v0v0000', '?': 'eh1240400',
  ' ': '000000000',
};

export const GLYPH_W = 5;
export const GLYPH_H = 9;
/** Horizontal advance of one character: the glyph and one blank column. */
export const ADVANCE = GLYPH_W + 1;

/** Row r (0..8) of character c as 5 bits (16 = leftmost); unknown characters draw as '?'. */
export function glyphRow(c: string, r: number): number {
  const code = GLYPHS[c] ?? GLYPHS[c.toLowerCase()] ?? GLYPHS['?'];
  return parseInt(code[r], 32);
}
