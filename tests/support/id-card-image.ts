// Generated ID-card-like images for the OCR's tests and accuracy measure:
// the front of a resident identity card (labels, a printed Chinese name, sex,
// ethnicity, birth date, address, an 18-digit number with a valid check
// character, a portrait frame) drawn as SVG in Noto Sans CJK — the font the
// evidence PDF uses — and rendered by sharp; then "photographed": set on a
// table at an angle (a perspective warp), blurred, lit unevenly, JPEG-saved.
// Nothing here is a real person's data.
import sharp from "sharp";
import { CARD, CARD_LAYOUT as L } from "../../server/identity/card-layout";
import { idCheckCharacter } from "../../server/identity/id-number";

export interface CardPerson {
  name: string;
  sex: "男" | "女";
  ethnicity: string;
  birth: { y: number; m: number; d: number };
  address: [string, string];
  idNumber: string;
}

export { seededRandom } from "./seeded-random";

const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳司马诸葛".slice(0, 100);
const GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文斌宇浩然子轩梓涵欣怡思远嘉豪雨萱晨阳俊杰佳琪明辉海燕凤兰玉梅丹丹晓东春生建华永强振华立新卫东庆丰";
const ETHNICITIES = ["汉", "汉", "汉", "回", "满", "壮", "苗", "蒙古"];
const PLACES = ["北京市朝阳区建国路", "上海市浦东新区世纪大道", "广东省广州市天河区体育西路", "浙江省杭州市西湖区文三路", "四川省成都市武侯区人民南路", "湖北省武汉市江汉区解放大道", "江苏省南京市鼓楼区中山北路"];
const REGIONS = ["110105", "310115", "440106", "330106", "510107", "420103", "320106"];

const pick = <T>(rand: () => number, xs: readonly T[] | string): T => xs[Math.floor(rand() * xs.length)] as T;

export function idNumberFor(region: string, birth: { y: number; m: number; d: number }, sequence: number): string {
  const first17 = `${region}${birth.y}${String(birth.m).padStart(2, "0")}${String(birth.d).padStart(2, "0")}${String(sequence).padStart(3, "0")}`;
  return first17 + idCheckCharacter(first17);
}

export function randomPerson(rand: () => number): CardPerson {
  const givenLength = rand() < 0.7 ? 2 : 1;
  let name = pick<string>(rand, SURNAMES);
  for (let i = 0; i < givenLength; i++) name += pick<string>(rand, GIVEN);
  const sex = rand() < 0.5 ? "男" : "女";
  const birth = { y: 1950 + Math.floor(rand() * 55), m: 1 + Math.floor(rand() * 12), d: 1 + Math.floor(rand() * 28) };
  const place = Math.floor(rand() * PLACES.length);
  // The sequence's last digit is odd for men, even for women.
  const seq = Math.floor(rand() * 50) * 20 + (sex === "男" ? 1 : 2) + Math.floor(rand() * 4) * 2;
  return {
    name,
    sex,
    ethnicity: pick(rand, ETHNICITIES),
    birth,
    address: [PLACES[place]!.slice(0, 11), `${1 + Math.floor(rand() * 300)}号${1 + Math.floor(rand() * 20)}栋${101 + Math.floor(rand() * 900)}室`],
    idNumber: idNumberFor(REGIONS[place]!, birth, seq % 1000),
  };
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** The card front as SVG, 856 × 540. */
export function cardFrontSvg(p: CardPerson): string {
  const label = (x: number, y: number, s: string) => `<text x="${x}" y="${y}" font-size="${L.labelSize}" fill="#2f6db0">${esc(s)}</text>`;
  const value = (x: number, y: number, s: string, size: number = L.valueSize) => `<text x="${x}" y="${y}" font-size="${size}" fill="#111">${esc(s)}</text>`;
  const ph = L.portrait;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD.width}" height="${CARD.height}" viewBox="0 0 ${CARD.width} ${CARD.height}">
<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#eef3f6"/><stop offset="0.6" stop-color="#e4edf2"/><stop offset="1" stop-color="#f3efe4"/></linearGradient></defs>
<rect width="${CARD.width}" height="${CARD.height}" rx="34" fill="url(#bg)"/>
<g stroke="#d3e0e8" stroke-width="1" fill="none">${Array.from({ length: 9 }, (_, i) => `<path d="M0 ${60 + i * 55} Q 428 ${20 + i * 55} 856 ${60 + i * 55}"/>`).join("")}</g>
<g font-family="Noto Sans CJK SC">
${label(L.labelX, L.nameBaseline, "姓名")}${value(L.valueX, L.nameBaseline, p.name, L.nameSize)}
${label(L.labelX, L.sexBaseline, "性别")}${value(L.valueX, L.sexBaseline, p.sex)}${label(280, L.sexBaseline, "民族")}${value(370, L.sexBaseline, p.ethnicity)}
${label(L.labelX, L.birthBaseline, "出生")}${value(L.valueX, L.birthBaseline, `${p.birth.y}年${p.birth.m}月${p.birth.d}日`)}
${label(L.labelX, L.addressBaselines[0], "住址")}${value(L.valueX, L.addressBaselines[0], p.address[0])}${value(L.valueX, L.addressBaselines[1], p.address[1])}
${label(L.labelX, L.numberBaseline, "公民身份号码")}<text x="${L.numberX}" y="${L.numberBaseline}" font-size="${L.numberSize}" letter-spacing="3" fill="#111" font-family="Noto Sans Mono CJK SC">${p.idNumber}</text>
</g>
<rect x="${ph.x}" y="${ph.y}" width="${ph.width}" height="${ph.height}" fill="#dfe7ee"/>
<circle cx="${ph.x + ph.width / 2}" cy="${ph.y + 115}" r="58" fill="#7d8791"/>
<path d="M${ph.x + 20} ${ph.y + ph.height} Q ${ph.x + ph.width / 2} ${ph.y + 150} ${ph.x + ph.width - 20} ${ph.y + ph.height} Z" fill="#7d8791"/>
</svg>`;
}

/** The card back: emblem, title, issuing authority and validity. */
export function cardBackSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD.width}" height="${CARD.height}">
<rect width="${CARD.width}" height="${CARD.height}" rx="34" fill="#eef2f4"/>
<circle cx="140" cy="140" r="80" fill="#c8102e"/><circle cx="140" cy="140" r="30" fill="#f2c200"/>
<g font-family="Noto Sans CJK SC"><text x="280" y="130" font-size="44" fill="#111">中华人民共和国</text><text x="280" y="210" font-size="56" fill="#111">居民身份证</text>
<text x="160" y="400" font-size="26" fill="#111">签发机关    某市公安局某分局</text><text x="160" y="460" font-size="26" fill="#111">有效期限    2020.01.01-2040.01.01</text></g>
</svg>`;
}

export async function renderSvg(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export interface Shot {
  /** Rotation in the picture plane, degrees. */
  rotate: number;
  /** Perspective: how much narrower one side looks (0 = straight on), and which side (-1 left … 1 right / top). */
  tiltX: number;
  tiltY: number;
  /** Share of the frame's width the card takes. */
  fill: number;
  /** Gaussian blur sigma in frame pixels (0 = sharp). */
  blur: number;
  /** Light falloff across the card: 0 = even, 0.6 = the dark side gets 40 % of the light. */
  shade: number;
  /** JPEG quality. */
  quality: number;
}

const EXPOSURE = 0.8;

export const STRAIGHT: Shot = { rotate: 0, tiltX: 0, tiltY: 0, fill: 0.78, blur: 0, shade: 0, quality: 92 };

/** A random but plausible hand-held shot. */
export function randomShot(rand: () => number, hard = false): Shot {
  const k = hard ? 1.6 : 1;
  return {
    rotate: (rand() * 2 - 1) * 8 * k,
    tiltX: (rand() * 2 - 1) * 0.12 * k,
    tiltY: (rand() * 2 - 1) * 0.1 * k,
    fill: 0.62 + rand() * 0.25,
    blur: rand() * 1.4 * k,
    shade: rand() * 0.5 * k,
    quality: 70 + Math.floor(rand() * 25),
  };
}

/**
 * The card as a phone camera of `frame` pixels sees it: a perspective warp of
 * the card onto a table, then blur, uneven light and JPEG.
 */
export async function photographCard(cardPng: Buffer, shot: Shot, frame = { width: 1280, height: 720 }): Promise<Buffer> {
  const card = await sharp(cardPng).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const cw = card.info.width;
  const ch = card.info.height;
  // Where the card's corners land in the frame.
  const w = frame.width * shot.fill;
  const h = (w * ch) / cw;
  const cx = frame.width / 2;
  const cy = frame.height / 2;
  const a = (shot.rotate * Math.PI) / 180;
  const corners = [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ].map(([x, y]) => {
    // Tilt: one side farther away looks shorter.
    const sx = 1 - shot.tiltY * (y! / (h / 2));
    const sy = 1 - shot.tiltX * (x! / (w / 2));
    const px = x! * sx;
    const py = y! * sy;
    return [cx + px * Math.cos(a) - py * Math.sin(a), cy + px * Math.sin(a) + py * Math.cos(a)] as [number, number];
  });
  const hInv = homography(corners, [
    [0, 0],
    [cw, 0],
    [cw, ch],
    [0, ch],
  ]);
  const out = Buffer.alloc(frame.width * frame.height * 3);
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const d = hInv[6]! * x + hInv[7]! * y + 1;
      const u = (hInv[0]! * x + hInv[1]! * y + hInv[2]!) / d;
      const v = (hInv[3]! * x + hInv[4]! * y + hInv[5]!) / d;
      const o = (y * frame.width + x) * 3;
      // Rounded card corners show the table behind.
      if (u < 0 || v < 0 || u >= cw - 1 || v >= ch - 1 || !insideRounded(u, v, cw, ch, 34 * (cw / CARD.width))) {
        const wood = 120 + 25 * Math.sin(x / 23 + Math.sin(y / 71) * 3) + ((x * 7 + y * 13) % 11);
        out[o] = wood;
        out[o + 1] = wood * 0.78;
        out[o + 2] = wood * 0.55;
        continue;
      }
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const fx = u - x0;
      const fy = v - y0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => card.data[(yy * cw + xx) * 3 + c]!;
        out[o + c] = (1 - fy) * ((1 - fx) * p(y0, x0) + fx * p(y0, x0 + 1)) + fy * ((1 - fx) * p(y0 + 1, x0) + fx * p(y0 + 1, x0 + 1));
      }
    }
  }
  // Uneven light: a lamp on one side, falling off across the frame.
  const la = (shot.rotate * 7 + shot.tiltX * 300) * (Math.PI / 180);
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const t = ((x - cx) * Math.cos(la) + (y - cy) * Math.sin(la)) / frame.width + 0.5;
      // The camera exposes for the whole scene: a light card comes out mid-grey-blue, not white.
      const gain = EXPOSURE * (1 - shot.shade * Math.max(0, Math.min(1, t)));
      const o = (y * frame.width + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.min(255, out[o + c]! * gain);
    }
  }
  let img = sharp(out, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (shot.blur >= 0.3) img = img.blur(shot.blur);
  return img.jpeg({ quality: shot.quality }).toBuffer();
}

function insideRounded(u: number, v: number, w: number, h: number, r: number): boolean {
  const dx = u < r ? r - u : u > w - r ? u - (w - r) : 0;
  const dy = v < r ? r - v : v > h - r ? v - (h - r) : 0;
  return dx * dx + dy * dy <= r * r;
}

/** The 3×3 homography (h33 = 1) taking the four `from` points to `to`. */
function homography(from: [number, number][], to: number[][]): number[] {
  const A: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]! as [number, number];
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  // Gaussian elimination with partial pivoting on the 8×9 augmented matrix.
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k < 9; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  return A.map((row, i) => row[8]! / row[i]!);
}
