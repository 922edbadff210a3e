; Cubby's Windows installer, built offline by Debian's makensis (`make windows`):
;   makensis -DVERSION=0.1.0 -DSOURCE=target/windows/Cubby -DOUTFILE=... scripts/windows/installer.nsi
;
; Installs for the current user only, without administrator rights, into
; %LOCALAPPDATA%\Programs\Cubby (where Windows' own per-user apps go), with a Start menu entry and an
; entry in Settings > Apps that uninstalls it. Profiles, journals and keys are the user's and stay
; when Cubby is uninstalled. The window needs WebView2, which Windows 10 and 11 ship; where it is
; missing the installer says where to get it.

; A 64-bit installer: Cubby is built for x86_64 only, and Wine 64 runs it in the tests.
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user
ManifestDPIAware true

!include "MUI2.nsh"
!include "LogicLib.nsh"

!define PRODUCT "Cubby"
!define PUBLISHER "OASYS360"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Cubby"
; WebView2's runtime registers its version under this client id, per machine or per user.
!define WEBVIEW2_KEY "Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

Name "${PRODUCT}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "FileDescription" "${PRODUCT} installer"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "MIT License"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\cubby-desktop.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Open Cubby"

!insertmacro MUI_PAGE_LICENSE "${SOURCE}\LICENSE"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Section "Cubby" Main
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "${SOURCE}\cubby-desktop.exe"
  File "${SOURCE}\cubby.exe"
  File "${SOURCE}\README.md"
  File "${SOURCE}\LICENSE"
  WriteUninstaller "$INSTDIR\Uninstall Cubby.exe"

  CreateShortCut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\cubby-desktop.exe"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\cubby-desktop.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\Uninstall Cubby.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall Cubby.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1

  ; Not an error: the CLI works without WebView2, and the runtime can be installed afterwards.
  ReadRegStr $0 HKLM "${WEBVIEW2_KEY}" "pv"
  ${If} $0 == ""
    ReadRegStr $0 HKCU "${WEBVIEW2_KEY}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    MessageBox MB_OK|MB_ICONINFORMATION "Cubby's window needs Microsoft Edge WebView2, which is not installed on this computer. Get the Evergreen runtime from https://developer.microsoft.com/microsoft-edge/webview2/ and install it; the cubby command-line tool works without it." /SD IDOK
  ${EndIf}
SectionEnd

Section "Uninstall"
  Delete "$INSTDIR\cubby-desktop.exe"
  Delete "$INSTDIR\cubby.exe"
  Delete "$INSTDIR\README.md"
  Delete "$INSTDIR\LICENSE"
  Delete "$INSTDIR\Uninstall Cubby.exe"
  ; Only if empty: never anything the user put there.
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
