#!/bin/sh
# Rebuilds the maven test data from Debian bookworm's Java library packages.
# Needs: apt-get (Debian bookworm sources), dpkg, unzip, zip, jar (any JDK), python3.
# Run from this directory: ./regenerate.sh
set -eu
here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download libcommons-lang3-java=3.12.0-2+deb12u1 libslf4j-java=1.7.32-1 \
    libjackson2-core-java=2.14.1-2~deb12u1 libcommons-logging-java=1.2-3 libhamcrest-java=2.2-1
for d in *.deb; do dpkg -x "$d" root; done
j=root/usr/share/java
rm -rf "$here/debian" && mkdir -p "$here/debian"
# The real files (not the versioned symlinks), as Debian installs them.
for f in commons-lang3.jar slf4j-api.jar jul-to-slf4j.jar jackson-core.jar \
         commons-logging-1.2.jar hamcrest-2.2.jar; do
    cp "$j/$f" "$here/debian/$f"
done

# A Spring Boot style fat jar: nested jars STORED (zip -0), as Boot stores
# them, with a manifest of its own. Info-ZIP writes sizes in the local
# headers, so no data descriptors.
mkdir -p fat/META-INF fat/BOOT-INF/lib fat/BOOT-INF/classes/demo
printf 'Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\nImplementation-Title: demo-app\r\nImplementation-Version: 0.4.2\r\nImplementation-Vendor: Example Org\r\n\r\n' > fat/META-INF/MANIFEST.MF
printf 'not a class, a placeholder\n' > fat/BOOT-INF/classes/demo/App.class
cp "$j/slf4j-api.jar" fat/BOOT-INF/lib/slf4j-api-1.7.32.jar
cp "$j/commons-logging-1.2.jar" fat/BOOT-INF/lib/commons-logging-1.2.jar
rm -f "$here/demo-app-0.4.2.jar"
(cd fat && zip -q -X -0 -r "$here/demo-app-0.4.2.jar" META-INF BOOT-INF)

# A war built with the JDK's jar tool: ZipOutputStream writes every
# deflated entry with a data descriptor (flag bit 3, sizes after the data).
mkdir -p war/WEB-INF/lib war/WEB-INF/classes
printf '<web-app/>\n' > war/WEB-INF/web.xml
cp "$j/commons-lang3.jar" war/WEB-INF/lib/commons-lang3-3.12.0.jar
cp "$j/jul-to-slf4j.jar" war/WEB-INF/lib/jul-to-slf4j-1.7.32.jar
cp "$j/hamcrest-2.2.jar" war/WEB-INF/lib/hamcrest-2.2.jar
printf 'Manifest-Version: 1.0\nImplementation-Title: shop\nImplementation-Version: 1.3\n' > war.mf
rm -f "$here/shop-1.3.war"
jar --create --file "$here/shop-1.3.war" --manifest war.mf -C war .

# An ear holding the war (two levels of nesting), assembled with python's
# zipfile (deflated, sizes in the local headers).
python3 - "$here" <<'PY'
import sys, zipfile
here = sys.argv[1]
with zipfile.ZipFile(f"{here}/store.ear", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("META-INF/application.xml", "<application/>\n")
    z.write(f"{here}/shop-1.3.war", "shop-1.3.war")
    z.write(f"{here}/debian/jackson-core.jar", "lib/jackson-core-2.14.1.jar")
PY

python3 "$here/record_truth.py" "$here" > "$here/truth.json"
