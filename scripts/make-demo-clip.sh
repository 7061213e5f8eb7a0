#!/usr/bin/env bash
# Generates the demo camera's clip: a synthetic view down a checkpoint lane in
# which vehicles with legible Chinese plates drive towards the camera, plus a
# sidecar OUT.plates.tsv saying when each plate is fully in view, so tests can
# check the tracks the daemon reports. It is generated at setup time (`make run`,
# the tests) rather than committed, and it is deterministic for given arguments.
#
# Usage: scripts/make-demo-clip.sh [--seconds N] [--size WxH] [--fps F]
#                                  [--plates "京A12345,粤BD12345,..."] [--parked] OUT.mp4
#
# Needs only Debian's ffmpeg (drawtext, libx264) and fontconfig with the font
# Noto Sans CJK SC Bold (package fonts-noto-cjk).
set -euo pipefail
# The plate characters are multibyte: bash's ${p:0:1}, [[ =~ ]] and ${p^^}
# must work on characters, not bytes. C.UTF-8 is always present on Debian.
export LC_ALL=C.UTF-8

prog=make-demo-clip
die() { echo "$prog: $*" >&2; exit 1; }
usage() {
  cat <<'EOF'
usage: scripts/make-demo-clip.sh [--seconds N] [--size WxH] [--fps F]
                                 [--plates "京A12345,粤BD12345,..."] [--parked] OUT.mp4
  --seconds N   clip length (default: 6 s per plate; 20 with --parked)
  --size WxH    frame size, even numbers (default 1280x720)
  --fps F       frames per second, whole number (default 25)
  --plates L    comma-separated plates: province + letter + 5 (blue) or 6 (green,
                new-energy) letters/digits; a middle dot after the letter is optional
  --parked      the first plate's vehicle drives in, stops mid-frame and stays
Writes OUT.mp4 (H.264) and OUT.plates.tsv (start, end, plate, colour).
EOF
}
bad_usage() { [[ -z ${1:-} ]] || echo "$prog: $1" >&2; usage >&2; exit 64; }

# --- arguments ---------------------------------------------------------------
seconds="" size=1280x720 fps=25 parked=0 out=""
plates_arg="京A·5R319,粤B·D27584,沪C·8K2Q7,川A·F369W1"
while (($#)); do
  case "$1" in
    --seconds|--size|--fps|--plates) (($# >= 2)) || bad_usage "$1 needs a value" ;;&
    --seconds) seconds=$2; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --size) size=$2; shift 2 ;;
    --size=*) size=${1#*=}; shift ;;
    --fps) fps=$2; shift 2 ;;
    --fps=*) fps=${1#*=}; shift ;;
    --plates) plates_arg=$2; shift 2 ;;
    --plates=*) plates_arg=${1#*=}; shift ;;
    --parked) parked=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) bad_usage "unknown option $1" ;;
    *) [[ -z $out ]] || bad_usage "more than one output file"; out=$1; shift ;;
  esac
done
if (($#)); then [[ -z $out && $# -eq 1 ]] || bad_usage "more than one output file"; out=$1; fi
[[ -n $out ]] || bad_usage "no output file given"

[[ $size =~ ^([0-9]+)x([0-9]+)$ ]] || die "--size must be WxH, e.g. 1280x720 (got '$size')"
W=$((10#${BASH_REMATCH[1]})) H=$((10#${BASH_REMATCH[2]}))
((W >= 320 && H >= 240 && W <= 7680 && H <= 4320)) || die "--size must be between 320x240 and 7680x4320 (got $size)"
((W % 2 == 0 && H % 2 == 0)) || die "--size needs even width and height for yuv420p (got $size)"
[[ $fps =~ ^[0-9]+$ ]] && ((10#$fps >= 1 && 10#$fps <= 120)) || die "--fps must be a whole number from 1 to 120 (got '$fps')"
fps=$((10#$fps))
[[ -z $seconds || $seconds =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--seconds must be a positive number (got '$seconds')"

# Plates: canonical form is the seven or eight characters without the dot.
# Chinese plates never use I or O (they read as 1 and 0).
provinces="京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
plates=() colours=()
IFS=',' read -r -a raw_plates <<<"$plates_arg"
for raw in "${raw_plates[@]}"; do
  p=${raw//[[:space:]·.-]/}
  [[ -n $p ]] || continue
  p=${p^^}
  [[ $p =~ ^(.)[A-HJ-NP-Z][A-HJ-NP-Z0-9]{5,6}$ && $provinces == *"${BASH_REMATCH[1]}"* ]] ||
    die "bad plate '$raw': want a province character ($provinces), a letter, then 5 (blue) or 6 (green) letters or digits, without I or O — e.g. 京A·12345 or 粤B·D12345"
  plates+=("$p")
  if ((${#p} == 7)); then colours+=(blue); else colours+=(green); fi
done
((${#plates[@]})) || die "--plates is empty"
nplates=${#plates[@]}

# --- tools and font ----------------------------------------------------------
command -v ffmpeg >/dev/null || die "ffmpeg not found: install the Debian package ffmpeg"
command -v fc-match >/dev/null || die "fc-match not found: install the Debian package fontconfig"
# (Captured first: grep -q would stop reading early and, with pipefail, fail.)
ff_filters=$(ffmpeg -hide_banner -filters 2>/dev/null || true)
ff_encoders=$(ffmpeg -hide_banner -encoders 2>/dev/null || true)
[[ $ff_filters == *" drawtext "* ]] ||
  die "this ffmpeg has no drawtext filter (it needs libfreetype and fontconfig; Debian's ffmpeg has both)"
[[ $ff_encoders == *" libx264 "* ]] ||
  die "this ffmpeg has no libx264 encoder (Debian's ffmpeg has it)"
# fc-match always answers with *some* font, so check that it is really the CJK one.
font_family=$(fc-match -f '%{family}' 'Noto Sans CJK SC:bold' 2>/dev/null || true)
font_style=$(fc-match -f '%{style}' 'Noto Sans CJK SC:bold' 2>/dev/null || true)
font_file=$(fc-match -f '%{file}' 'Noto Sans CJK SC:bold' 2>/dev/null || true)
[[ $font_family == *"Noto Sans CJK SC"* && $font_style == *Bold* && -r $font_file ]] ||
  die "font 'Noto Sans CJK SC' Bold not found (fc-match gave '${font_file:-nothing}'): install the Debian package fonts-noto-cjk"
# drawtext's fontfile= always opens face 0 of the .ttc, which is the Japanese
# one (different glyph forms for many province characters). When fontfile= is
# not a file, drawtext hands it to fontconfig as a pattern together with font=,
# and fontconfig picks the Simplified Chinese face by index. We run ffmpeg in
# an empty temporary folder, so ':style=Bold' can never be a file there.
# (Written for a filter script: '\\' there is one '\' for the option parser.)
font_opt='font=Noto Sans CJK SC:fontfile=\\:style\\=Bold'

# --- timeline ----------------------------------------------------------------
# Passing: every vehicle has a 6 s slot: 0.75 s of empty road, 4.5 s in view,
# 0.75 s of empty road, so consecutive vehicles (and the loop seam) leave 1.5 s
# of empty road between them. Parked: drive in from 1 s, stop after 3.5 s.
slot=$((6 * fps)) lead=$(((3 * fps + 2) / 4)) inview=$((slot - 2 * lead))
enter=$fps drive=$(((7 * fps + 1) / 2))
if ((parked)); then
  seconds=${seconds:-20}
else
  seconds=${seconds:-$((6 * nplates))}
fi
frames=$(awk -v s="$seconds" -v f="$fps" 'BEGIN { printf "%d", s * f + 0.5 }')
if ((parked)); then
  ((frames >= enter + drive + fps)) || die "--seconds must be at least 5.5 with --parked (got $seconds)"
  passes=1
else
  passes=$((frames / slot))
  ((passes >= 1)) || die "--seconds must be at least 6 (one vehicle passing) (got $seconds)"
fi

# Geometry, designed for 720 lines and scaled by the frame height: the vehicle
# picture is 900x690 with the plate (256x82) at 322,547; it is drawn at scale
# s0 when it enters at the top and s1 when it leaves at the bottom, so the plate
# is about 148 px wide at the top and 251 px at the bottom of a 1280x720 frame.
VW=900 VH=690 PX=322 PY=547 PW=256 PH=82
s0=0.58 s1=0.98
k=$(awk -v h="$H" 'BEGIN { printf "%.6f", h / 720 }')
# The bottom edge of the vehicle runs from 0 (just entering) to yend (the whole
# vehicle has just left); its position is p * yend with p from 0 to 1.
yend=$(awk -v h="$H" -v vh="$VH" -v k="$k" -v s1="$s1" 'BEGIN { printf "%.6f", h + vh * k * s1 }')
# Parked: the p at which the vehicle's middle is at the middle of the frame.
pstop=$(awk -v h="$H" -v vh="$VH" -v k="$k" -v s0="$s0" -v s1="$s1" -v ye="$yend" \
  'BEGIN { printf "%.6f", (h / 2 + vh * k * s0 / 2) / (ye - vh * k * (s1 - s0) / 2) }')

# --- work area ---------------------------------------------------------------
out_dir=$(dirname -- "$out")
mkdir -p -- "$out_dir" || die "cannot create $out_dir"
out_abs="$(cd -- "$out_dir" && pwd)/$(basename -- "$out")"
case "$out_abs" in
  *.mp4) tsv_abs="${out_abs%.mp4}.plates.tsv" ;;
  *) tsv_abs="$out_abs.plates.tsv" ;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/make-demo-clip.XXXXXX") && work=$(cd -- "$work" && pwd)
# Partial outputs go next to the real ones and are renamed at the end, so an
# interrupted run never leaves a truncated clip that `make run` would accept.
tmp_mp4="$(dirname -- "$out_abs")/.$(basename -- "$out_abs").$$.tmp.mp4"
tmp_tsv="$tmp_mp4.tsv"
trap 'rm -rf -- "$work"; rm -f -- "$tmp_mp4" "$tmp_tsv"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$work"

ff() { # ff WHAT ffmpeg-args...: run ffmpeg quietly; on failure say what failed
  local what=$1; shift
  ffmpeg -hide_banner -nostdin -loglevel error -y "$@" || die "ffmpeg failed while $what"
}

# --- plates ------------------------------------------------------------------
# A plate is built as a white-on-black mask of its characters, merged over the
# plate colour. Each character is drawn centred in a cell of its own and then
# squeezed to its slot, because plate characters are tall and narrow (45x90 mm
# on a 440x140 mm plate) and no stock font is; cells are sized per kind of
# character so that the squeeze is the same within a kind (digits keep their
# natural widths relative to each other). Slot layout after GA 36.
make_plate() { # make_plate INDEX PLATE COLOUR
  local i=$1 p=$2 colour=$3 pw slot0 slot gap dotgap c cw sw fs place j n g="" cells="" nc=0
  # Latin: 90 px capitals centred; Q is placed like the rest (min()) and its
  # tail cut short, as on real plates, so it stays inside the border.
  local latin="y=(h-min(th\\,93))/2,drawbox=x=0:y=120:w=iw:h=20:c=black:t=fill"
  if [[ $colour == blue ]]; then pw=440 slot0=45 slot=45 gap=12 dotgap=34
  else pw=480 slot0=45 slot=43 gap=9 dotgap=49; fi
  n=${#p}
  local used=$((slot0 + (n - 1) * slot + (n - 2) * gap + dotgap))
  local left=$(((pw - used + 1) / 2)) right=$(((pw - used) / 2))
  cell_blank() { g+="color=c=black:s=${1}x140,format=rgb24[c$nc];"; cells+="[c$nc]"; nc=$((nc + 1)); }
  cell_blank "$left"
  for ((j = 0; j < n; j++)); do
    c=${p:j:1}
    printf '%s' "$c" >"p${i}_$j.txt"
    if ((j == 0)); then cw=88 fs=95 place='y=(h-th)/2'   # province character
    elif [[ $c == [0-9] ]]; then cw=68 fs=122 place=$latin
    elif [[ $c == [MW] ]]; then cw=108 fs=122 place=$latin
    else cw=82 fs=122 place=$latin; fi
    sw=$slot; ((j == 0)) && sw=$slot0
    g+="color=c=black:s=${cw}x140,format=rgb24,drawtext=$font_opt:textfile=p${i}_$j.txt:fontsize=$fs:fontcolor=white:x=(w-tw)/2:$place,scale=${sw}:140:flags=bicubic[c$nc];"
    cells+="[c$nc]"; nc=$((nc + 1))
    if ((j == 0)); then cell_blank "$gap"
    elif ((j == 1)); then
      # the separating dot (10 mm), drawn large and scaled down to keep it round
      printf '●' >"p${i}_dot.txt"
      g+="color=c=black:s=$((dotgap * 4))x560,format=rgb24,drawtext=$font_opt:textfile=p${i}_dot.txt:fontsize=44:fontcolor=white:x=(w-tw)/2:y=(h-th)/2,scale=${dotgap}:140:flags=area[c$nc];"
      cells+="[c$nc]"; nc=$((nc + 1))
    elif ((j < n - 1)); then cell_blank "$gap"; fi
  done
  cell_blank "$right"
  g+="${cells}hstack=inputs=$nc,format=gbrp[mask];"
  if [[ $colour == blue ]]; then
    g+="color=c=0x0b3ea8:s=${pw}x140,format=gbrp[bg];color=c=white:s=${pw}x140,format=gbrp[fg];"
    g+="[bg][fg][mask]maskedmerge,format=rgb24,drawbox=x=5:y=5:w=iw-10:h=ih-10:t=3:c=white"
  else
    # new-energy plate: white at the top fading into green at the bottom
    g+="color=c=black:s=${pw}x140,format=gbrp,geq=r='236-(236-70)*pow(Y/H\,1.3)':g='250-(250-192)*pow(Y/H\,1.3)':b='240-(240-104)*pow(Y/H\,1.3)'[bg];"
    g+="color=c=0x101010:s=${pw}x140,format=gbrp[fg];"
    g+="[bg][fg][mask]maskedmerge,format=rgb24,drawbox=x=0:y=0:w=iw:h=ih:t=2:c=0x2b2f2c"
  fi
  printf '%s\n' "$g" >"plate$i.filter"
  ff "drawing plate ${p}" -filter_complex_script "plate$i.filter" -frames:v 1 "plate$i.png"
}

# --- vehicles ----------------------------------------------------------------
# A vehicle seen from the front and a little above: roof, windscreen, bonnet,
# lights and grille, bumper with the plate, wheels and a soft shadow, on a
# transparent 900x690 picture. (drawbox's replace=1, which writes the alpha
# channel, crashes on packed RGBA in ffmpeg 5.1, hence yuva444p.)
body_colours=(0xe6e8eb 0x8e1b1b 0xa7abb1 0x1f3b6e 0x222427 0x7a6a55)
body_shades=(0xb4b8bd 0x5c0f0f 0x767a80 0x142749 0x111214 0x54483a)
make_vehicle() { # make_vehicle INDEX
  local i=$1 c=${body_colours[$(($1 % 6))]} d=${body_shades[$(($1 % 6))]}
  local dark=0x1a1c1f lamp=0xf4f1df glass=0x27323e
  local b=()
  box() { b+=("drawbox=x=$1:y=$2:w=$3:h=$4:c=$5:t=fill:replace=1"); }
  box 20 640 860 50 black@0.45          # shadow on the road
  box 60 596 140 78 0x0c0c0c            # tyres
  box 700 596 140 78 0x0c0c0c
  box 215 0 470 125 "$c"                # roof
  box 205 118 490 10 "$d"
  box 165 128 570 165 "$glass"          # windscreen, with a band of sky reflection
  box 165 138 570 18 0x3d4b5b
  box 150 128 18 165 "$c"               # pillars
  box 732 128 18 165 "$c"
  box 78 238 74 48 "$d"                 # mirrors
  box 748 238 74 48 "$d"
  box 70 293 760 185 "$c"               # bonnet
  box 300 305 5 160 "$d"
  box 595 305 5 160 "$d"
  box 50 472 800 168 "$c"               # front and bumper
  box 50 470 800 6 "$d"
  box 88 484 186 60 "$d"                # headlights
  box 94 490 174 48 "$lamp"
  box 626 484 186 60 "$d"
  box 632 490 174 48 "$lamp"
  box 300 480 300 60 "$dark"            # grille
  box 308 496 284 5 0x8d939a
  box 308 516 284 5 0x8d939a
  box 110 572 84 26 0xd9d5c2            # fog lights
  box 706 572 84 26 0xd9d5c2
  box 196 586 110 40 "$dark"            # lower intakes
  box 594 586 110 40 "$dark"
  box 316 542 268 92 0x141518           # plate holder
  box 50 634 800 6 "$d"
  local IFS=,
  printf '%s\n' "color=c=black@0:s=${VW}x${VH},format=yuva444p,${b[*]}[car];[0:v]scale=${PW}:${PH}:flags=lanczos,format=yuva444p[pl];[car][pl]overlay=x=$PX:y=$PY:format=yuv444" >"vehicle$i.filter"
  ff "drawing vehicle $i" -i "plate$i.png" -filter_complex_script "vehicle$i.filter" -frames:v 1 "vehicle$i.png"
}
# Only the plates that will be seen: --parked shows the first, a short
# --seconds the first few.
for ((i = 0; i < (passes < nplates ? passes : nplates); i++)); do
  make_plate "$i" "${plates[i]}" "${colours[i]}"
  make_vehicle "$i"
done

# --- background --------------------------------------------------------------
# The lane is drawn flat, as seen from straight above, and then tilted with
# perspective so that it narrows towards the top like a camera on a pole
# looking down the lane; the barrier and the guard booth are drawn upright.
bg=("color=c=0x8f8b82:s=${W}x${H}" "format=rgb24")
for ((j = 1; j < 8; j++)); do   # paving joints beside the road
  bg+=("drawbox=x=0:y=ih*$j/8:w=iw*0.172:h=2:c=0x77746c:t=fill" "drawbox=x=iw*0.828:y=ih*$j/8:w=iw*0.172:h=2:c=0x77746c:t=fill")
done
bg+=("drawbox=x=iw*0.086:y=0:w=2:h=ih:c=0x77746c:t=fill" "drawbox=x=iw*0.914:y=0:w=2:h=ih:c=0x77746c:t=fill")
bg+=("drawbox=x=iw*0.172:y=0:w=iw*0.656:h=ih:c=0xbdb8ac:t=fill")   # kerbs
bg+=("drawbox=x=iw*0.1875:y=0:w=iw*0.625:h=ih:c=0x4a4d52:t=fill")  # asphalt
bg+=("drawbox=x=iw*0.205:y=0:w=iw*0.011:h=ih:c=0xe4e4dc:t=fill" "drawbox=x=iw*0.784:y=0:w=iw*0.011:h=ih:c=0xe4e4dc:t=fill")
for ((j = 0; j < 10; j++)); do  # speed bump, yellow and black
  col=0xe0b416; ((j % 2)) && col=0x202020
  bg+=("drawbox=x=iw*(0.1875+0.0625*$j):y=ih*0.36:w=iw*0.0625+1:h=ih*0.04:c=$col:t=fill")
done
bg+=("drawbox=x=iw*0.1875:y=ih*0.80:w=iw*0.625:h=ih*0.03:c=0xe4e4dc:t=fill")   # stop line
bg+=("perspective=x0=W*0.15:y0=0:x1=W*0.85:y1=0:x2=-W*0.2:y2=H:x3=W*1.2:y3=H:sense=destination:interpolation=linear")
bg+=("drawbox=x=iw*0.012:y=ih*0.22:w=iw*0.13:h=ih*0.045:c=0x55585e:t=fill")   # booth roof
bg+=("drawbox=x=iw*0.02:y=ih*0.265:w=iw*0.114:h=ih*0.48:c=0xb9bbbf:t=fill")   # booth
bg+=("drawbox=x=iw*0.034:y=ih*0.33:w=iw*0.086:h=ih*0.16:c=0x34475a:t=fill")   # booth window
bg+=("drawbox=x=iw*0.866:y=ih*0.36:w=iw*0.04:h=ih*0.40:c=0xd8ac12:t=fill")    # barrier housing
bg+=("drawbox=x=iw*0.866:y=ih*0.72:w=iw*0.04:h=ih*0.04:c=0x202020:t=fill")
for ((j = 0; j < 6; j++)); do   # boom, raised, red and white
  col=0xd42a2a; ((j % 2)) && col=0xf0f0f0
  bg+=("drawbox=x=iw*0.879:y=ih*(0.04+0.053*$j):w=iw*0.014:h=ih*0.053+1:c=$col:t=fill")
done
(IFS=,; printf '%s\n' "${bg[*]}") >background.filter
ff "drawing the background" -filter_complex_script background.filter -frames:v 1 background.png

# --- motion ------------------------------------------------------------------
# For each pass: first frame, number of frames in view, plate index, sideways offset.
starts=() lengths=() which=() offsets=()
lane_offsets=(0 -0.020 0.024 -0.010 0.014)
for ((j = 0; j < passes; j++)); do
  if ((parked)); then starts+=("$enter"); lengths+=($((frames - enter)))
  else starts+=($((j * slot + lead))); lengths+=("$inview"); fi
  which+=($((j % nplates)))
  offsets+=("${lane_offsets[$((j % 5))]}")
done

# p(T): how far along its way the vehicle is, T seconds after it appears.
# Passing: constant speed. Parked: decelerates evenly to a stop at pstop.
drive_s=$(awk -v d="$drive" -v f="$fps" 'BEGIN { printf "%.6f", d / f }')
inview_s=$(awk -v d="$inview" -v f="$fps" 'BEGIN { printf "%.6f", d / f }')
p_expr() { # p_expr T
  if ((parked)); then echo "($pstop*(1-pow(1-min(($1)/$drive_s\,1)\,2)))"
  else echo "(($1)/$inview_s)"; fi
}

inputs=(-loop 1 -framerate "$fps" -i background.png)
graph=""
prev="0:v"
for ((j = 0; j < passes; j++)); do
  a=$(awk -v n="${starts[j]}" -v f="$fps" 'BEGIN { printf "%.6f", n / f }')
  len=$(awk -v n="${lengths[j]}" -v f="$fps" 'BEGIN { printf "%.6f", n / f }')
  inputs+=(-loop 1 -framerate "$fps" -t "$len" -i "vehicle${which[j]}.png")
  # The size follows p as well: the scale filter sees the vehicle's own clock
  # (0 when it appears), the overlay the clip's; setpts moves one to the other.
  graph+="[$((j + 1)):v]scale=w='2*trunc($VW*$k*($s0+($s1-$s0)*$(p_expr t))/2)':h=-2:eval=frame,setpts=PTS+$a/TB[v$j];"
  graph+="[$prev][v$j]overlay=x='(W-w)/2+W*${offsets[j]}':y='$(p_expr "t-$a")*$yend-h':eval=frame:eof_action=pass[m$j];"
  prev="m$j"
done
graph+="[$prev]format=yuv420p[out]"
printf '%s\n' "$graph" >clip.filter

ff "encoding the clip" "${inputs[@]}" -filter_complex_script clip.filter -map '[out]' \
  -frames:v "$frames" -r "$fps" -an -c:v libx264 -preset medium -crf 23 -pix_fmt yuv420p \
  -g $((2 * fps)) -bf 0 -movflags +faststart -fflags +bitexact -map_metadata -1 "$tmp_mp4"

# --- sidecar -----------------------------------------------------------------
# Replays the same arithmetic frame by frame (sizes rounded as the filters do)
# and reports the first and last frame in which the whole plate is inside the
# picture with a 2 px margin.
{
  printf 'start\tend\tplate\tcolour\n'
  for ((j = 0; j < passes; j++)); do
    awk -v n0="${starts[j]}" -v len="${lengths[j]}" -v f="$fps" -v parked="$parked" \
      -v pstop="$pstop" -v drive="$drive" -v inview="$inview" -v ye="$yend" -v H="$H" \
      -v vw="$VW" -v vh="$VH" -v k="$k" -v s0="$s0" -v s1="$s1" -v py="$PY" -v ph="$PH" \
      -v plate="${plates[${which[j]}]}" -v colour="${colours[${which[j]}]}" -v frames="$frames" '
      function p(T,  u) {
        if (parked) { u = T / (drive / f); if (u > 1) u = 1; return pstop * (1 - (1 - u) ^ 2) }
        return T / (inview / f)
      }
      BEGIN {
        first = -1; last = -1
        for (i = 0; i < len && n0 + i < frames; i++) {
          T = i / f; q = p(T)
          w = 2 * int(vw * k * (s0 + (s1 - s0) * q) / 2); h = 2 * int(w * vh / vw / 2 + 0.5)
          y = q * ye - h
          top = y + py * h / vh; bottom = y + (py + ph) * h / vh
          if (top >= 2 && bottom <= H - 2) { if (first < 0) first = n0 + i; last = n0 + i }
        }
        if (first >= 0) printf "%.2f\t%.2f\t%s\t%s\n", first / f, last / f, plate, colour
      }'
  done
} >"$tmp_tsv"

mv -f -- "$tmp_tsv" "$tsv_abs"
mv -f -- "$tmp_mp4" "$out_abs"
echo "wrote $out ($passes vehicle$( ((passes == 1)) || echo s), $seconds s)"
