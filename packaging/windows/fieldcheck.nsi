; Fieldcheck-Setup-x64.exe: the inspector's program for 64-bit Windows (issue 18).
; Built by make-installer.sh (Debian's NSIS 3.08), which defines VERSION, VERSION4 (four
; numbers), SOURCE_EXE, SOURCE_README and OUTFILE.
;
; For the current user, without administrator rights:
;   program    %LOCALAPPDATA%\Programs\Fieldcheck (fieldcheck.exe, README.txt, uninstall.exe)
;   Start menu "Fieldcheck" -> fieldcheck.exe ui (the app in the default browser), and
;              "Fieldcheck - dòng lệnh (command line)" -> a command window in the program's folder
;   uninstall  HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Fieldcheck
;   data       %LOCALAPPDATA%\Fieldcheck (the program's default home): never touched by the
;              installer; the uninstaller removes it only when asked (an unticked choice on its
;              page, or /REMOVEDATA when silent).
; A second install over the first replaces the program and the uninstaller and keeps the data.
; While fieldcheck.exe is running (its file cannot be opened for writing) neither installer nor
; uninstaller changes anything: they ask to close it, and when silent end with exit code 2. The
; same holds for an older version in another folder, which an install elsewhere removes: while its
; fieldcheck.exe runs, the install stops before touching anything.

!ifndef VERSION | VERSION4 | SOURCE_EXE | SOURCE_README | OUTFILE
  !error "Build with make-installer.sh (VERSION, VERSION4, SOURCE_EXE, SOURCE_README, OUTFILE)"
!endif

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user
ManifestSupportedOS all
ManifestDPIAware true

!define PRODUCT "Fieldcheck"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Fieldcheck"
!define SETTINGS_KEY "Software\Fieldcheck"
!define CLI_SHORTCUT "Fieldcheck - dòng lệnh (command line).lnk"

Name "${PRODUCT}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Fieldcheck"
InstallDirRegKey HKCU "${SETTINGS_KEY}" "InstallDir"
BrandingText "Fieldcheck ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include x64.nsh

!define MUI_ABORTWARNING
!define MUI_UNABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC

!define MUI_FINISHPAGE_RUN "$INSTDIR\fieldcheck.exe"
!define MUI_FINISHPAGE_RUN_PARAMETERS "ui"
!define MUI_FINISHPAGE_RUN_TEXT "$(TEXT_RUN_APP)"
!define MUI_FINISHPAGE_SHOWREADME "$INSTDIR\README.txt"
!define MUI_FINISHPAGE_SHOWREADME_NOTCHECKED

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_PAGE_CUSTOMFUNCTION_SHOW FinishPageShow
!insertmacro MUI_PAGE_FINISH

!define MUI_COMPONENTSPAGE_TEXT_TOP "$(TEXT_UNINSTALL_TOP)"
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

; Vietnamese first: the installer speaks it unless Windows' own language is English.
!insertmacro MUI_LANGUAGE "Vietnamese"
!insertmacro MUI_LANGUAGE "English"

LangString TEXT_RUN_APP ${LANG_VIETNAMESE} "Mở Fieldcheck ngay"
LangString TEXT_RUN_APP ${LANG_ENGLISH} "Open Fieldcheck now"
LangString TEXT_UNINSTALL_TOP ${LANG_VIETNAMESE} "Chương trình sẽ được gỡ bỏ. Dữ liệu của bạn (%LOCALAPPDATA%\Fieldcheck: phiếu, ảnh, đăng nhập) được giữ lại, trừ khi bạn đánh dấu ô dưới đây. Hãy đồng bộ trước khi xoá dữ liệu."
LangString TEXT_UNINSTALL_TOP ${LANG_ENGLISH} "The program will be removed. Your data (%LOCALAPPDATA%\Fieldcheck: inspections, photos, login) is kept unless you tick the box below. Sync before removing the data."
LangString SEC_PROGRAM ${LANG_VIETNAMESE} "Chương trình Fieldcheck"
LangString SEC_PROGRAM ${LANG_ENGLISH} "The Fieldcheck program"
LangString SEC_DATA ${LANG_VIETNAMESE} "Xoá cả dữ liệu"
LangString SEC_DATA ${LANG_ENGLISH} "Also remove the data"
LangString MSG_RUNNING ${LANG_VIETNAMESE} "Fieldcheck đang chạy ($INSTDIR\fieldcheck.exe). Hãy đóng nó (cửa sổ dòng lệnh của fieldcheck ui) rồi bấm Thử lại; chưa có gì bị thay đổi."
LangString MSG_RUNNING ${LANG_ENGLISH} "Fieldcheck is running ($INSTDIR\fieldcheck.exe). Close it (the command window of fieldcheck ui), then press Retry; nothing has been changed."
LangString MSG_RUNNING_OLD ${LANG_VIETNAMESE} "Bản Fieldcheck cũ ở $R0 đang chạy ($R0\fieldcheck.exe), nên chưa gỡ được để cài vào $INSTDIR. Hãy đóng nó (cửa sổ dòng lệnh của fieldcheck ui) rồi bấm Thử lại; chưa có gì bị thay đổi."
LangString MSG_RUNNING_OLD ${LANG_ENGLISH} "The older Fieldcheck in $R0 is running ($R0\fieldcheck.exe), so it cannot be removed to install in $INSTDIR. Close it (the command window of fieldcheck ui), then press Retry; nothing has been changed."
LangString MSG_ABORTED ${LANG_VIETNAMESE} "Đã dừng: Fieldcheck đang chạy; chưa có gì bị thay đổi."
LangString MSG_ABORTED ${LANG_ENGLISH} "Stopped: Fieldcheck is running; nothing has been changed."
LangString MSG_DATA_DIR ${LANG_VIETNAMESE} "Đây là thư mục dữ liệu của Fieldcheck; hãy chọn thư mục khác cho chương trình."
LangString MSG_DATA_DIR ${LANG_ENGLISH} "This is Fieldcheck's data folder; choose another folder for the program."
LangString MSG_OLD_PLACE ${LANG_VIETNAMESE} "Gỡ bản cũ ở"
LangString MSG_OLD_PLACE ${LANG_ENGLISH} "Removing the older version in"
LangString MSG_DATA_KEPT ${LANG_VIETNAMESE} "Dữ liệu được giữ lại:"
LangString MSG_DATA_KEPT ${LANG_ENGLISH} "Data kept:"

VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "ProductName" "Fieldcheck"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "LegalCopyright" "Fieldcheck"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "FileDescription" "Cài đặt Fieldcheck ${VERSION}"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_VIETNAMESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "Fieldcheck"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "Fieldcheck"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "Fieldcheck ${VERSION} Setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"

; Stops (exit code 2, nothing changed) while `folder`\fieldcheck.exe is running: Windows does not
; let a running program's file be opened for writing. Asks to close it and retry (saying
; `message`), unless silent.
!macro DEFINE_CHECK_NOT_RUNNING name folder message
Function ${name}
  ${Do}
    ${IfNot} ${FileExists} "${folder}\fieldcheck.exe"
      Return
    ${EndIf}
    ClearErrors
    FileOpen $0 "${folder}\fieldcheck.exe" a
    ${IfNot} ${Errors}
      FileClose $0
      Return
    ${EndIf}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(${message})" /SD IDCANCEL IDRETRY retry
    DetailPrint "$(MSG_ABORTED)"
    SetErrorLevel 2
    Abort "$(MSG_ABORTED)"
    retry:
  ${Loop}
FunctionEnd
!macroend
!insertmacro DEFINE_CHECK_NOT_RUNNING CheckNotRunning "$INSTDIR" MSG_RUNNING
!insertmacro DEFINE_CHECK_NOT_RUNNING un.CheckNotRunning "$INSTDIR" MSG_RUNNING
; The older version's folder is in $R0.
!insertmacro DEFINE_CHECK_NOT_RUNNING CheckOlderNotRunning "$R0" MSG_RUNNING_OLD

Function .onInit
  SetShellVarContext current
  SetRegView 64
FunctionEnd

; "Open Fieldcheck now" is ticked only when there is data to open: before the first login (or
; init) `fieldcheck ui` only says that there is none.
Function FinishPageShow
  ${IfNot} ${FileExists} "$LOCALAPPDATA\Fieldcheck\*.*"
    SendMessage $mui.FinishPage.Run ${BM_SETCHECK} ${BST_UNCHECKED} 0
  ${EndIf}
FunctionEnd

Function .onVerifyInstDir
  ; The uninstaller may remove the data folder: the program must not live in it.
  ${If} "$INSTDIR" == "$LOCALAPPDATA\Fieldcheck"
  ${OrIf} "$INSTDIR" == "$LOCALAPPDATA\Fieldcheck\"
    Abort "$(MSG_DATA_DIR)"
  ${EndIf}
FunctionEnd

Section "Fieldcheck" SecProgram
  SectionIn RO
  Call CheckNotRunning

  ; An older version installed in another folder: its own uninstaller removes it (keeping the
  ; data, as it does without /REMOVEDATA), waited for in place (_?=). While that older program
  ; runs, the install stops here as it does for its own folder: carrying on would point the key
  ; at the new folder and leave the older copy behind, no longer known to Windows.
  ReadRegStr $R0 HKCU "${UNINSTALL_KEY}" "InstallLocation"
  ${If} "$R0" != ""
  ${AndIf} "$R0" != "$INSTDIR"
  ${AndIf} ${FileExists} "$R0\uninstall.exe"
    Call CheckOlderNotRunning
    DetailPrint "$(MSG_OLD_PLACE) $R0"
    ClearErrors
    ExecWait '"$R0\uninstall.exe" /S _?=$R0' $R1
    ; Started in between, the older program stops its uninstaller (exit code 2) before that
    ; changes anything; so does any other failure, and the install stops with it.
    ${If} ${Errors}
    ${OrIf} $R1 != 0
      DetailPrint "$(MSG_ABORTED)"
      SetErrorLevel 2
      Abort "$(MSG_ABORTED)"
    ${EndIf}
    Delete "$R0\uninstall.exe"
    RMDir "$R0"
  ${EndIf}

  SetOutPath "$INSTDIR"
  SetOverwrite on
  File "/oname=fieldcheck.exe" "${SOURCE_EXE}"
  File "/oname=README.txt" "${SOURCE_README}"
  ; Always this installer's uninstaller, replacing an older one.
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; The Start-menu entry opens the app (its window shows the address, or why it cannot open);
  ; its working folder is the user's profile.
  SetOutPath "$PROFILE"
  CreateShortcut "$SMPROGRAMS\Fieldcheck.lnk" "$INSTDIR\fieldcheck.exe" "ui" "$INSTDIR\fieldcheck.exe" 0 \
    SW_SHOWNORMAL "" "Fieldcheck: phiếu kiểm tra cơ sở / establishment inspections"
  ; And a command window in the program's folder, for `fieldcheck login` and the rest of the CLI
  ; (the installer does not touch PATH).
  SetOutPath "$INSTDIR"
  CreateShortcut "$SMPROGRAMS\${CLI_SHORTCUT}" "$SYSDIR\cmd.exe" "/k fieldcheck.exe --help" "$INSTDIR\fieldcheck.exe" 0 \
    SW_SHOWNORMAL "" "Fieldcheck: dòng lệnh / command line"

  WriteRegStr HKCU "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "Fieldcheck"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "Fieldcheck"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\fieldcheck.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "un.$(SEC_PROGRAM)" SecUninstallProgram
  SectionIn RO
  Call un.CheckNotRunning
  Delete "$SMPROGRAMS\Fieldcheck.lnk"
  Delete "$SMPROGRAMS\${CLI_SHORTCUT}"
  Delete "$INSTDIR\fieldcheck.exe"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\uninstall.exe"
  ; Only what the installer laid, then the folder if that left it empty: never RMDir /r on a
  ; folder the user chose.
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "${SETTINGS_KEY}"
SectionEnd

Section /o "un.$(SEC_DATA)" SecData
  ; The program's default home only; a home elsewhere (--home, FIELDCHECK_HOME) is the user's.
  ${If} "$LOCALAPPDATA" != ""
    RMDir /r "$LOCALAPPDATA\Fieldcheck"
  ${EndIf}
SectionEnd

Section "-un.report"
  ${IfNot} ${SectionIsSelected} ${SecData}
  ${AndIf} ${FileExists} "$LOCALAPPDATA\Fieldcheck\*.*"
    DetailPrint "$(MSG_DATA_KEPT) $LOCALAPPDATA\Fieldcheck"
  ${EndIf}
SectionEnd

; After the sections: it selects SecData.
Function un.onInit
  SetShellVarContext current
  SetRegView 64
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVEDATA" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecData}
  ${EndIf}
FunctionEnd
