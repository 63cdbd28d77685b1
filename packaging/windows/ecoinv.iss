; UNTESTED HERE: Inno Setup 6 script for the Windows x64 installer.
; Build after PyInstaller: ISCC.exe packaging\windows\ecoinv.iss
#define AppVersion "0.1.0"

[Setup]
AppId={{6E0C1B7A-2B7E-4C55-9E0B-ECO1NV000001}
AppName=ecoinv
AppVerName=ecoinv {#AppVersion}
AppPublisher=ecoinv developers
DefaultDirName={localappdata}\Programs\ecoinv
DefaultGroupName=ecoinv
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=ecoinv-{#AppVersion}-win-x64-setup
Compression=lzma2
SolidCompression=yes
SetupIconFile=..\..\resources\icons\app\ecoinv.ico
UninstallDisplayIcon={app}\ecoinv.exe

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Files]
Source: "..\..\dist\ecoinv\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\ecoinv"; Filename: "{app}\ecoinv.exe"; Parameters: "gui"; Flags: runminimized
Name: "{group}\ecoinv demo (Harbin)"; Filename: "{app}\ecoinv.exe"; Parameters: "gui ""{userdocs}\ecoinv\harbin-demo.sqlite"""; Flags: runminimized

[Registry]
Root: HKCU; Subkey: "Software\Classes\.sqlite\OpenWithProgids"; ValueType: string; ValueName: "ecoinv.inventory"; ValueData: ""; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\ecoinv.inventory"; ValueType: string; ValueName: ""; ValueData: "ecoinv inventory"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\ecoinv.inventory\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\ecoinv.exe"" gui ""%1"""

[Run]
Filename: "{app}\ecoinv.exe"; Parameters: "demo ""{userdocs}\ecoinv\harbin-demo.sqlite"" --force --quiet"; StatusMsg: "Building the Harbin demo inventory..."; Flags: runhidden
