<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE" sourcelanguage="en">
<context>
    <name>AccountEditor</name>
    <message>
        <source>Edit account</source>
        <translation>Konto bearbeiten</translation>
    </message>
    <message>
        <source>Add account</source>
        <translation>Konto hinzufügen</translation>
    </message>
    <message>
        <source>the provider&apos;s default</source>
        <translation>Standard des Anbieters</translation>
    </message>
    <message>
        <source>for a provider defined in a file, like owner=octo-org repo=site</source>
        <translation>für einen in einer Datei beschriebenen Anbieter, etwa owner=octo-org repo=site</translation>
    </message>
    <message>
        <source>the provider&apos;s default, or like 10/s, 45/min</source>
        <translation>Standard des Anbieters, oder etwa 10/s, 45/min</translation>
    </message>
    <message>
        <source>Store the key in the system keyring</source>
        <translation>Schlüssel im Schlüsselbund des Systems speichern</translation>
    </message>
    <message>
        <source>Read the key from an environment variable</source>
        <translation>Schlüssel aus einer Umgebungsvariablen lesen</translation>
    </message>
    <message>
        <source>e.g. PDFCO_API_KEY</source>
        <translation>z. B. PDFCO_API_KEY</translation>
    </message>
    <message>
        <source>leave empty to keep the stored key</source>
        <translation>leer lassen, um den gespeicherten Schlüssel zu behalten</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation>Basis-URL</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Rate limit</source>
        <translation>Anfragelimit</translation>
    </message>
    <message>
        <source>Variables</source>
        <translation>Variablen</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Variable</source>
        <translation>Variable</translation>
    </message>
    <message>
        <source>Save results in</source>
        <translation>Ergebnisse speichern in</translation>
    </message>
    <message>
        <source>Discover new media</source>
        <translation>Neue Medien entdecken</translation>
    </message>
    <message>
        <source>Watch the media created from now on by themselves (the account&apos;s list is read once a minute)</source>
        <translation>Ab jetzt erstellte Medien von selbst beobachten (die Liste des Kontos wird einmal pro Minute gelesen)</translation>
    </message>
</context>
<context>
    <name>AccountsDialog</name>
    <message>
        <source>Accounts</source>
        <translation>Konten</translation>
    </message>
    <message>
        <source>Add...</source>
        <translation>Hinzufügen …</translation>
    </message>
    <message>
        <source>Edit...</source>
        <translation>Bearbeiten …</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Keys live in the system keyring or in environment variables, never in JobTray&apos;s files.</source>
        <translation>Schlüssel liegen im Schlüsselbund des Systems oder in Umgebungsvariablen, nie in den Dateien von JobTray.</translation>
    </message>
    <message>
        <source>key from env %1</source>
        <translation>Schlüssel aus Umgebungsvariable %1</translation>
    </message>
    <message>
        <source>key from keyring</source>
        <translation>Schlüssel aus dem Schlüsselbund</translation>
    </message>
    <message>
        <source>discovers new media</source>
        <translation>entdeckt neue Medien</translation>
    </message>
    <message>
        <source>last error: %1</source>
        <translation>letzter Fehler: %1</translation>
    </message>
    <message>
        <source>Account not saved</source>
        <translation>Konto nicht gespeichert</translation>
    </message>
    <message>
        <source>Remove account</source>
        <translation>Konto entfernen</translation>
    </message>
    <message>
        <source>Remove %1 and stop watching its jobs?</source>
        <translation>%1 entfernen und seine Aufträge nicht mehr beobachten?</translation>
    </message>
    <message>
        <source>Account not removed</source>
        <translation>Konto nicht entfernt</translation>
    </message>
</context>
<context>
    <name>AddJobDialog</name>
    <message>
        <source>Add job</source>
        <translation>Auftrag hinzufügen</translation>
    </message>
    <message>
        <source>Job IDs, links or any text containing them, one or many</source>
        <translation>Auftrags-IDs, Links oder ein Text, der sie enthält, eine oder viele</translation>
    </message>
    <message>
        <source>Match by ID pattern</source>
        <translation>Nach ID-Muster zuordnen</translation>
    </message>
    <message>
        <source>optional, e.g. &apos;Quarterly report&apos;</source>
        <translation>optional, z. B. „Quartalsbericht“</translation>
    </message>
    <message>
        <source>Job IDs</source>
        <translation>Auftrags-IDs</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>Bezeichnung</translation>
    </message>
</context>
<context>
    <name>AppController</name>
    <message>
        <source>No tray icon: this desktop has no system tray (on GNOME, install the AppIndicator extension). JobTray works from this window and still sends notifications.</source>
        <translation>Kein Symbol im Infobereich: Diese Arbeitsumgebung hat keinen Infobereich (unter GNOME die Erweiterung AppIndicator installieren). JobTray funktioniert über dieses Fenster und sendet weiterhin Benachrichtigungen.</translation>
    </message>
    <message>
        <source>Copied %1</source>
        <translation>%1 kopiert</translation>
    </message>
    <message>
        <source>A key stayed in the keyring</source>
        <translation>Ein Schlüssel ist im Schlüsselbund geblieben</translation>
    </message>
    <message>
        <source>JobTray hit an unexpected error checking %1</source>
        <translation>JobTray ist beim Prüfen von %1 auf einen unerwarteten Fehler gestoßen</translation>
    </message>
    <message>
        <source>JobTray cannot write its database</source>
        <translation>JobTray kann seine Datenbank nicht schreiben</translation>
    </message>
    <message>
        <source>%1. Results are kept and written as soon as it is free.</source>
        <translation>%1. Die Ergebnisse werden aufbewahrt und geschrieben, sobald sie frei ist.</translation>
    </message>
    <message>
        <source>The database is writable again; every result was written</source>
        <translation>Die Datenbank ist wieder beschreibbar; alle Ergebnisse wurden geschrieben</translation>
    </message>
    <message>
        <source>Checking every open job now</source>
        <translation>Alle offenen Aufträge werden jetzt geprüft</translation>
    </message>
    <message>
        <source>%1 is not there any more</source>
        <translation>%1 ist nicht mehr vorhanden</translation>
    </message>
    <message>
        <source>Starting the demo: a second JobTray window on throwaway data</source>
        <translation>Die Demo startet: ein zweites JobTray-Fenster mit Wegwerfdaten</translation>
    </message>
    <message>
        <source>The demo could not be started (%1)</source>
        <translation>Die Demo konnte nicht gestartet werden (%1)</translation>
    </message>
    <message>
        <source>Settings saved</source>
        <translation>Einstellungen gespeichert</translation>
    </message>
    <message>
        <source>Not removed: %1</source>
        <translation>Nicht entfernt: %1</translation>
    </message>
    <message numerus="yes">
        <source>Stopped watching %n job(s)</source>
        <translation>
            <numerusform>%n Auftrag wird nicht mehr beobachtet</numerusform>
            <numerusform>%n Aufträge werden nicht mehr beobachtet</numerusform>
        </translation>
    </message>
    <message>
        <source>Start at login not changed: %1</source>
        <translation>Beim Anmelden starten nicht geändert: %1</translation>
    </message>
    <message>
        <source>Add an account first (Accounts...): JobTray needs to know whom to ask.</source>
        <translation>Fügen Sie zuerst ein Konto hinzu (Konten …): JobTray muss wissen, wen es fragen soll.</translation>
    </message>
    <message>
        <source>No job ID of your accounts&apos; providers (%1) was found in that text.</source>
        <translation>In diesem Text wurde keine Auftrags-ID der Anbieter Ihrer Konten (%1) gefunden.</translation>
    </message>
    <message>
        <source>Not added: %1</source>
        <translation>Nicht hinzugefügt: %1</translation>
    </message>
    <message numerus="yes">
        <source>Watching %n job(s)</source>
        <translation>
            <numerusform>%n Auftrag wird beobachtet</numerusform>
            <numerusform>%n Aufträge werden beobachtet</numerusform>
        </translation>
    </message>
    <message>
        <source>Watch the clipboard is on until JobTray quits: %1</source>
        <translation>Zwischenablage beobachten ist an, bis JobTray beendet wird: %1</translation>
    </message>
    <message>
        <source>Watch the clipboard is off until JobTray quits: %1</source>
        <translation>Zwischenablage beobachten ist aus, bis JobTray beendet wird: %1</translation>
    </message>
    <message>
        <source>Not added: the account for %1 was removed.</source>
        <translation>Nicht hinzugefügt: Das Konto für %1 wurde entfernt.</translation>
    </message>
    <message>
        <source>Could not acknowledge: %1</source>
        <translation>Konnte nicht zur Kenntnis genommen werden: %1</translation>
    </message>
    <message>
        <source>Acknowledged %1 failure(s)</source>
        <translation>%1 Fehler zur Kenntnis genommen</translation>
    </message>
</context>
<context>
    <name>ChooseAccountDialog</name>
    <message>
        <source>Which account?</source>
        <translation>Welches Konto?</translation>
    </message>
    <message>
        <source>These job IDs could belong to more than one account. Add them to:</source>
        <translation>Diese Auftrags-IDs könnten zu mehr als einem Konto gehören. Hinzufügen zu:</translation>
    </message>
    <message numerus="yes">
        <source>%1 (%2): %n ID(s): %3</source>
        <translation>
            <numerusform>%1 (%2): %n ID: %3</numerusform>
            <numerusform>%1 (%2): %n IDs: %3</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Clipboard</name>
    <message>
        <source>%1 was copied. Watch it with the account %2?</source>
        <translation>%1 wurde kopiert. Mit dem Konto %2 beobachten?</translation>
    </message>
    <message>
        <source>%1 was copied. Watch it? (you choose the account)</source>
        <translation>%1 wurde kopiert. Beobachten? (Sie wählen das Konto)</translation>
    </message>
    <message>
        <source>Watch %1 at %2?</source>
        <translation>%1 bei %2 beobachten?</translation>
    </message>
</context>
<context>
    <name>Drops</name>
    <message>
        <source>%1 is larger than 1 MB; drop a smaller text file or paste the job IDs</source>
        <translation>%1 ist größer als 1 MB; ziehen Sie eine kleinere Textdatei hierher oder fügen Sie die Auftrags-IDs ein</translation>
    </message>
    <message>
        <source>%1 is not a text file</source>
        <translation>%1 ist keine Textdatei</translation>
    </message>
    <message>
        <source>%1 is not a UTF-8 text file</source>
        <translation>%1 ist keine UTF-8-Textdatei</translation>
    </message>
    <message>
        <source>%1 is not a file</source>
        <translation>%1 ist keine Datei</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>only text, links or text files can be dropped here</source>
        <translation>hier können nur Text, Links oder Textdateien abgelegt werden</translation>
    </message>
    <message>
        <source>the dropped text is larger than 1 MB</source>
        <translation>der abgelegte Text ist größer als 1 MB</translation>
    </message>
    <message>
        <source>the dropped text looks binary</source>
        <translation>der abgelegte Text sieht binär aus</translation>
    </message>
</context>
<context>
    <name>EndActions</name>
    <message>
        <source>A command for ended jobs cannot run</source>
        <translation>Ein Befehl für beendete Aufträge kann nicht ausgeführt werden</translation>
    </message>
    <message>
        <source>Saving the result of %1</source>
        <translation>Das Ergebnis von %1 wird gespeichert</translation>
    </message>
    <message>
        <source>That result cannot be saved: the account has no folder for results</source>
        <translation>Dieses Ergebnis kann nicht gespeichert werden: Das Konto hat keinen Ordner für Ergebnisse</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <source>A command for an ended job failed</source>
        <translation>Ein Befehl für einen beendeten Auftrag ist fehlgeschlagen</translation>
    </message>
    <message>
        <source>JobTray picked up where it stopped</source>
        <translation>JobTray hat dort weitergemacht, wo es aufgehört hatte</translation>
    </message>
    <message>
        <source>After-end work failed</source>
        <translation>Arbeit nach Auftragsende fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>EndingsBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>Ausblenden</translation>
    </message>
    <message>
        <source>Since you last looked:</source>
        <translation>Seit Sie zuletzt nachgesehen haben:</translation>
    </message>
    <message>
        <source>and %1 more</source>
        <translation>und %1 weitere</translation>
    </message>
</context>
<context>
    <name>EndingsBox</name>
    <message>
        <source>Succeeded</source>
        <translation>Erfolgreich</translation>
    </message>
    <message>
        <source>Partial</source>
        <translation>Teilweise</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>Nicht gefunden</translation>
    </message>
</context>
<context>
    <name>Eta</name>
    <message>
        <source>s</source>
        <translation>s</translation>
    </message>
    <message>
        <source>min</source>
        <translation>Min.</translation>
    </message>
    <message>
        <source>h</source>
        <translation>Std.</translation>
    </message>
    <message>
        <source>likely any moment</source>
        <translation>wohl jeden Moment</translation>
    </message>
    <message>
        <source>likely within %1 %2</source>
        <translation>wohl innerhalb von %1 %2</translation>
    </message>
    <message>
        <source>likely in about %1 %2</source>
        <translation>wohl in etwa %1 %2</translation>
    </message>
    <message>
        <source>likely in %1-%2 %3</source>
        <translation>wohl in %1–%2 %3</translation>
    </message>
</context>
<context>
    <name>FolderField</name>
    <message>
        <source>not saved (results stay links)</source>
        <translation>nicht gespeichert (Ergebnisse bleiben Links)</translation>
    </message>
    <message>
        <source>Choose...</source>
        <translation>Auswählen …</translation>
    </message>
    <message>
        <source>Save results in</source>
        <translation>Ergebnisse speichern in</translation>
    </message>
</context>
<context>
    <name>ForwardingPage</name>
    <message>
        <source>Send endings to phones and chat (apprise URLs)</source>
        <translation>Enden an Telefone und Chats senden (apprise-URLs)</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Testen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>telefon</translation>
    </message>
    <message>
        <source>or an environment variable holding it</source>
        <translation>oder eine Umgebungsvariable, die sie enthält</translation>
    </message>
    <message>
        <source>Every account</source>
        <translation>Jedes Konto</translation>
    </message>
    <message>
        <source>Send the result link too (signed links are secrets)</source>
        <translation>Auch den Ergebnis-Link senden (signierte Links sind Geheimnisse)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>URL (kept in the keyring)</source>
        <translation>URL (im Schlüsselbund gespeichert)</translation>
    </message>
    <message>
        <source>Variable</source>
        <translation>Variable</translation>
    </message>
    <message>
        <source>For</source>
        <translation>Für</translation>
    </message>
    <message>
        <source>What is told, and where</source>
        <translation>Was gemeldet wird, und wo</translation>
    </message>
    <message>
        <source> min</source>
        <translation> Min.</translation>
    </message>
    <message>
        <source>Forward only while the desktop is idle or locked</source>
        <translation>Nur weiterleiten, während der Desktop ruht oder gesperrt ist</translation>
    </message>
    <message>
        <source>like 22:00-07:00</source>
        <translation>etwa 22:00-07:00</translation>
    </message>
    <message>
        <source>Hold banners while the desktop&apos;s do-not-disturb is on</source>
        <translation>Banner zurückhalten, solange „Nicht stören“ des Desktops an ist</translation>
    </message>
    <message>
        <source> h</source>
        <translation> Std.</translation>
    </message>
    <message>
        <source>Forward jobs that ran longer than</source>
        <translation>Aufträge weiterleiten, die länger liefen als</translation>
    </message>
    <message>
        <source>Quiet hours (no sounds or banners)</source>
        <translation>Ruhezeiten (keine Töne oder Banner)</translation>
    </message>
    <message>
        <source>Remind of an unacknowledged failure after (0: never)</source>
        <translation>An einen nicht zur Kenntnis genommenen Fehler erinnern nach (0: nie)</translation>
    </message>
    <message>
        <source>every account</source>
        <translation>jedes Konto</translation>
    </message>
    <message>
        <source>variable %1</source>
        <translation>Variable %1</translation>
    </message>
    <message>
        <source>keyring</source>
        <translation>Schlüsselbund</translation>
    </message>
    <message>
        <source>Sent a test to %1.</source>
        <translation>Test an %1 gesendet.</translation>
    </message>
    <message>
        <source>Not delivered to %1: %2</source>
        <translation>Nicht an %1 zugestellt: %2</translation>
    </message>
    <message>
        <source>Checking whether this desktop tells idle from active...</source>
        <translation>Es wird geprüft, ob dieser Desktop Ruhe und Aktivität unterscheidet …</translation>
    </message>
    <message>
        <source>this desktop does not say whether it is idle or locked (no logind session, no screensaver service): forwards are sent always</source>
        <translation>dieser Desktop sagt nicht, ob er ruht oder gesperrt ist (keine logind-Sitzung, kein Bildschirmschoner-Dienst): Weiterleitungen werden immer gesendet</translation>
    </message>
    <message>
        <source>Sending a test to %1...</source>
        <translation>Sende einen Test an %1...</translation>
    </message>
    <message>
        <source>Give a URL or the name of a variable holding it, not both.</source>
        <translation>Eine URL oder den Namen einer Variablen angeben, die sie enthält, nicht beides.</translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <source>Select a job to see its history</source>
        <translation>Wählen Sie einen Auftrag, um seinen Verlauf zu sehen</translation>
    </message>
    <message>
        <source>result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>Gespeichert unter %1</translation>
    </message>
    <message>
        <source>Result not saved: %1</source>
        <translation>Ergebnis nicht gespeichert: %1</translation>
    </message>
</context>
<context>
    <name>JobState</name>
    <message>
        <source>Queued</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>Erfolgreich</translation>
    </message>
    <message>
        <source>Partial</source>
        <translation>Teilweise</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>Nicht gefunden</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>wartend</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>erfolgreich</translation>
    </message>
    <message>
        <source>partial</source>
        <translation>teilweise</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>not found</source>
        <translation>nicht gefunden</translation>
    </message>
</context>
<context>
    <name>JobTableModel</name>
    <message>
        <source>Job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Aktualisiert</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>Started %1</source>
        <translation>Gestartet %1</translation>
    </message>
    <message>
        <source>Ended %1</source>
        <translation>Beendet %1</translation>
    </message>
    <message>
        <source>Open file</source>
        <translation>Datei öffnen</translation>
    </message>
    <message>
        <source>Open link</source>
        <translation>Link öffnen</translation>
    </message>
    <message>
        <source>check failed: %1</source>
        <translation>Prüfung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>saved: %1</source>
        <translation>gespeichert: %1</translation>
    </message>
    <message>
        <source>result not saved: %1</source>
        <translation>Ergebnis nicht gespeichert: %1</translation>
    </message>
</context>
<context>
    <name>JobWindow</name>
    <message>
        <source>%1 running · %2 waiting · %3 finished today · %4 failed</source>
        <translation>%1 laufend · %2 wartend · %3 heute fertig · %4 fehlgeschlagen</translation>
    </message>
    <message>
        <source>%1 running · %2 finished today · %3 failed</source>
        <translation>%1 laufend · %2 heute fertig · %3 fehlgeschlagen</translation>
    </message>
    <message>
        <source>Filter jobs (ID, label, account, state, message)</source>
        <translation>Aufträge filtern (ID, Bezeichnung, Konto, Status, Meldung)</translation>
    </message>
    <message>
        <source>Cannot read the jobs: %1</source>
        <translation>Die Aufträge können nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Haupt</translation>
    </message>
    <message>
        <source>Add job...</source>
        <translation>Auftrag hinzufügen …</translation>
    </message>
    <message>
        <source>Accounts...</source>
        <translation>Konten …</translation>
    </message>
    <message>
        <source>Check now</source>
        <translation>Jetzt prüfen</translation>
    </message>
    <message>
        <source>Settings...</source>
        <translation>Einstellungen …</translation>
    </message>
    <message>
        <source>Not added</source>
        <translation>Nicht hinzugefügt</translation>
    </message>
    <message>
        <source>The clipboard is empty</source>
        <translation>Die Zwischenablage ist leer</translation>
    </message>
    <message>
        <source>Nothing to add: the drop was empty</source>
        <translation>Nichts hinzuzufügen: Das Abgelegte war leer</translation>
    </message>
    <message>
        <source>%1 has no result yet</source>
        <translation>%1 hat noch kein Ergebnis</translation>
    </message>
    <message>
        <source>Open result</source>
        <translation>Ergebnis öffnen</translation>
    </message>
    <message>
        <source>Open link</source>
        <translation>Link öffnen</translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation>ID kopieren</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Zur Kenntnis nehmen</translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message>
        <source>Succeeded: %1</source>
        <translation>Erfolgreich: %1</translation>
    </message>
    <message>
        <source>Partial: %1</source>
        <translation>Teilweise: %1</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Cancelled: %1</source>
        <translation>Abgebrochen: %1</translation>
    </message>
    <message>
        <source>Not found: %1</source>
        <translation>Nicht gefunden: %1</translation>
    </message>
    <message>
        <source>%n succeeded</source>
        <translation>%n erfolgreich</translation>
    </message>
    <message>
        <source>%n partial</source>
        <translation>%n teilweise</translation>
    </message>
    <message>
        <source>%n failed</source>
        <translation>%n fehlgeschlagen</translation>
    </message>
    <message>
        <source>%n cancelled</source>
        <translation>%n abgebrochen</translation>
    </message>
    <message>
        <source>%n not found</source>
        <translation>%n nicht gefunden</translation>
    </message>
    <message>
        <source>%n jobs ended: %1</source>
        <translation>%n Aufträge beendet: %1</translation>
    </message>
    <message>
        <source>and %n more</source>
        <translation>und %n weitere</translation>
    </message>
    <message>
        <source>Watch</source>
        <translation>Beobachten</translation>
    </message>
    <message>
        <source>Open file</source>
        <translation>Datei öffnen</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>Im Ordner zeigen</translation>
    </message>
    <message>
        <source>Open result</source>
        <translation>Ergebnis öffnen</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Zeigen</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>Gespeichert: %1</translation>
    </message>
    <message>
        <source>Result not saved: %1</source>
        <translation>Ergebnis nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>%1. Try again from the tray menu (Save result again).</source>
        <translation>%1. Versuchen Sie es erneut über das Menü im Infobereich (Ergebnis erneut speichern).</translation>
    </message>
    <message>
        <source>Cannot check %1</source>
        <translation>%1 kann nicht geprüft werden</translation>
    </message>
    <message>
        <source>Watching %1</source>
        <translation>%1 wird beobachtet</translation>
    </message>
    <message>
        <source>JobTray could not show a notification</source>
        <translation>JobTray konnte keine Benachrichtigung anzeigen</translation>
    </message>
    <message>
        <source>It keeps running and tries again with the next one; details are in the log.</source>
        <translation>Es läuft weiter und versucht es bei der nächsten erneut; Einzelheiten stehen im Protokoll.</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Zur Kenntnis nehmen</translation>
    </message>
    <message>
        <source>Still failed: %1</source>
        <translation>Immer noch fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>Problems</name>
    <message>
        <source>key not set</source>
        <translation>Schlüssel nicht gesetzt</translation>
    </message>
    <message>
        <source>key refused</source>
        <translation>Schlüssel abgelehnt</translation>
    </message>
    <message>
        <source>no credits left</source>
        <translation>kein Guthaben mehr</translation>
    </message>
    <message>
        <source>keyring locked</source>
        <translation>Schlüsselbund gesperrt</translation>
    </message>
    <message>
        <source>server unreachable</source>
        <translation>Server nicht erreichbar</translation>
    </message>
    <message>
        <source>rate-limited</source>
        <translation>Anfragelimit erreicht</translation>
    </message>
    <message>
        <source>account settings</source>
        <translation>Kontoeinstellungen</translation>
    </message>
    <message>
        <source>Set the key</source>
        <translation>Schlüssel setzen</translation>
    </message>
    <message>
        <source>Edit the account</source>
        <translation>Konto bearbeiten</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>Erneut prüfen</translation>
    </message>
    <message>
        <source>Unlock the keyring</source>
        <translation>Schlüsselbund entsperren</translation>
    </message>
    <message>
        <source>Check the address</source>
        <translation>Adresse prüfen</translation>
    </message>
    <message>
        <source>%1 · waiting: %2</source>
        <translation>%1 · wartet: %2</translation>
    </message>
    <message>
        <source>%1: %2 — %3</source>
        <translation>%1: %2 — %3</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Mute notifications until</source>
        <translation>Benachrichtigungen stumm bis</translation>
    </message>
    <message>
        <source>like 500M or 2G</source>
        <translation>etwa 500M oder 2G</translation>
    </message>
    <message>
        <source>a command line, run without a shell (JOBTRAY_* variables tell the job)</source>
        <translation>eine Befehlszeile, ohne Shell ausgeführt (JOBTRAY_*-Variablen beschreiben den Auftrag)</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>Largest result to save</source>
        <translation>Größtes zu speicherndes Ergebnis</translation>
    </message>
    <message>
        <source>Run when a job ends</source>
        <translation>Ausführen, wenn ein Auftrag endet</translation>
    </message>
    <message>
        <source>... for</source>
        <translation>… bei</translation>
    </message>
    <message>
        <source>Time limit</source>
        <translation>Zeitlimit</translation>
    </message>
    <message>
        <source>All accounts</source>
        <translation>Alle Konten</translation>
    </message>
    <message>
        <source>With sound</source>
        <translation>Mit Ton</translation>
    </message>
    <message>
        <source>Failures are urgent</source>
        <translation>Fehlschläge sind dringend</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Notify when</source>
        <translation>Benachrichtigen bei</translation>
    </message>
    <message>
        <source>Save results in</source>
        <translation>Ergebnisse speichern in</translation>
    </message>
    <message>
        <source>Each account</source>
        <translation>Je Konto</translation>
    </message>
    <message>
        <source>No key is kept here: commands never see one.</source>
        <translation>Hier wird kein Schlüssel gespeichert: Befehle sehen nie einen.</translation>
    </message>
    <message>
        <source>Settings not saved</source>
        <translation>Einstellungen nicht gespeichert</translation>
    </message>
</context>
<context>
    <name>TellingRules</name>
    <message>
        <source>Forwarding failed</source>
        <translation>Weiterleiten fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>Time</name>
    <message>
        <source>Mon</source>
        <translation>Mo</translation>
    </message>
    <message>
        <source>Tue</source>
        <translation>Di</translation>
    </message>
    <message>
        <source>Wed</source>
        <translation>Mi</translation>
    </message>
    <message>
        <source>Thu</source>
        <translation>Do</translation>
    </message>
    <message>
        <source>Fri</source>
        <translation>Fr</translation>
    </message>
    <message>
        <source>Sat</source>
        <translation>Sa</translation>
    </message>
    <message>
        <source>Sun</source>
        <translation>So</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>gerade eben</translation>
    </message>
    <message>
        <source>%n min ago</source>
        <translation>vor %n Min.</translation>
    </message>
    <message>
        <source>%n h ago</source>
        <translation>vor %n Std.</translation>
    </message>
    <message>
        <source>yesterday</source>
        <translation>gestern</translation>
    </message>
    <message>
        <source>%n days ago</source>
        <translation>vor %n Tagen</translation>
    </message>
    <message>
        <source>%1s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1m %2s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1h %2m</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1d %2h</source>
        <translation>%1 T. %2 h</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>%1 %2, after %3</source>
        <translation>%1 %2, nach %3</translation>
    </message>
    <message>
        <source>%n running</source>
        <translation>%n laufend</translation>
    </message>
    <message>
        <source>%n waiting</source>
        <translation>%n wartend</translation>
    </message>
    <message>
        <source>%n failed</source>
        <translation>%n fehlgeschlagen</translation>
    </message>
    <message>
        <source>%n ended</source>
        <translation>%n beendet</translation>
    </message>
    <message>
        <source>JobTray: %1</source>
        <translation>JobTray: %1</translation>
    </message>
    <message>
        <source>no jobs watched</source>
        <translation>keine Aufträge beobachtet</translation>
    </message>
    <message>
        <source>%1 cannot be checked</source>
        <translation>%1 kann nicht geprüft werden</translation>
    </message>
    <message>
        <source>Notifications muted until %1</source>
        <translation>Benachrichtigungen stumm bis %1</translation>
    </message>
    <message>
        <source>saving %1%</source>
        <translation>wird gespeichert: %1 %</translation>
    </message>
    <message>
        <source>saving %1 MB</source>
        <translation>wird gespeichert: %1 MB</translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message>
        <source>Recent jobs</source>
        <translation>Letzte Aufträge</translation>
    </message>
    <message>
        <source>No jobs watched yet</source>
        <translation>Noch keine Aufträge beobachtet</translation>
    </message>
    <message>
        <source>Check now</source>
        <translation>Jetzt prüfen</translation>
    </message>
    <message>
        <source>Open JobTray</source>
        <translation>JobTray öffnen</translation>
    </message>
    <message>
        <source>Add job...</source>
        <translation>Auftrag hinzufügen …</translation>
    </message>
    <message>
        <source>Settings...</source>
        <translation>Einstellungen …</translation>
    </message>
    <message>
        <source>Watch the clipboard</source>
        <translation>Zwischenablage beobachten</translation>
    </message>
    <message>
        <source>Offer to watch job IDs you copy (never a password manager&apos;s)</source>
        <translation>Anbieten, kopierte Auftrags-IDs zu beobachten (nie die eines Passwortmanagers)</translation>
    </message>
    <message>
        <source>Start at login</source>
        <translation>Beim Anmelden starten</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>Open result</source>
        <translation>Ergebnis öffnen</translation>
    </message>
    <message>
        <source>Open file</source>
        <translation>Datei öffnen</translation>
    </message>
    <message>
        <source>Saving the result: %1</source>
        <translation>Ergebnis wird gespeichert: %1</translation>
    </message>
    <message>
        <source>Save result again</source>
        <translation>Ergebnis erneut speichern</translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation>ID kopieren</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Mute notifications</source>
        <translation>Benachrichtigungen stummschalten</translation>
    </message>
    <message>
        <source>For 1 hour</source>
        <translation>Für 1 Stunde</translation>
    </message>
    <message>
        <source>Until tomorrow</source>
        <translation>Bis morgen</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source>Mute notifications (until %1)</source>
        <translation>Benachrichtigungen stummschalten (bis %1)</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Zur Kenntnis nehmen</translation>
    </message>
    <message>
        <source>Acknowledge failures (%1)</source>
        <translation>Fehler zur Kenntnis nehmen (%1)</translation>
    </message>
    <message>
        <source>More unfinished after-end work (%1)...</source>
        <translation>Weitere unerledigte Nacharbeit (%1)...</translation>
    </message>
</context>
<context>
    <name>TrayPolling</name>
    <message>
        <source>Waiting for the keyring to be unlocked…</source>
        <translation>Warte darauf, dass der Schlüsselbund entsperrt wird …</translation>
    </message>
    <message>
        <source>The keyring answered</source>
        <translation>Der Schlüsselbund hat geantwortet</translation>
    </message>
</context>
<context>
    <name>WelcomePanel</name>
    <message>
        <source>A provider defined in a file; its definition was written from the vendor&apos;s page:</source>
        <translation>Ein in einer Datei beschriebener Anbieter; die Beschreibung folgt dieser Seite des Anbieters:</translation>
    </message>
    <message>
        <source>Your PDF.co API key.</source>
        <translation>Ihr API-Schlüssel von PDF.co.</translation>
    </message>
    <message>
        <source>Sign in to the PDF.co dashboard (app.pdf.co): the Your API Key card on its home page has a Copy Key button.</source>
        <translation>Melden Sie sich im Dashboard von PDF.co an (app.pdf.co): Die Karte „Your API Key“ auf der Startseite hat eine Schaltfläche „Copy Key“.</translation>
    </message>
    <message>
        <source>An API key for iPaper&apos;s Flipbook Backend API (sent with the user name APIKey).</source>
        <translation>Ein API-Schlüssel für die Flipbook Backend API von iPaper (gesendet mit dem Benutzernamen APIKey).</translation>
    </message>
    <message>
        <source>iPaper&apos;s documentation does not say where it is shown: ask iPaper (or your iPaper partner, whose API address you then give too) for a Backend API key.</source>
        <translation>Die Dokumentation von iPaper sagt nicht, wo er angezeigt wird: Fragen Sie iPaper (oder Ihren iPaper-Partner, dessen API-Adresse Sie dann ebenfalls angeben) nach einem Backend-API-Schlüssel.</translation>
    </message>
    <message>
        <source>The licence GUID of your ScriptX.Services subscription (it is the user name; there is no password).</source>
        <translation>Die Lizenz-GUID Ihres ScriptX.Services-Abonnements (sie ist der Benutzername; ein Passwort gibt es nicht).</translation>
    </message>
    <message>
        <source>MeadCo issues it with the subscription (it is the licence&apos;s ID, the one its licensed domains belong to); for ScriptX.Services on a Windows PC or On-Premise, also give that server&apos;s address.</source>
        <translation>MeadCo vergibt sie mit dem Abonnement (es ist die ID der Lizenz, zu der ihre lizenzierten Domains gehören); für ScriptX.Services auf einem Windows-PC oder On-Premise geben Sie auch die Adresse dieses Servers an.</translation>
    </message>
    <message>
        <source>Your encoding.com user ID (a number) and user key.</source>
        <translation>Ihre Benutzer-ID (eine Zahl) und Ihr Benutzerschlüssel bei encoding.com.</translation>
    </message>
    <message>
        <source>Both are on the My Account page of encoding.com&apos;s web interface; regenerating the user key there makes the old one stop working.</source>
        <translation>Beide stehen auf der Seite „My Account“ der Weboberfläche von encoding.com; wird der Benutzerschlüssel dort neu erzeugt, funktioniert der alte nicht mehr.</translation>
    </message>
    <message>
        <source>JobTray watches jobs you started at cloud services and tells you when they end. Nothing is watched yet: add an account of a service you use, or try the demo first.</source>
        <translation>JobTray beobachtet Aufträge, die Sie bei Cloud-Diensten gestartet haben, und sagt Ihnen, wenn sie enden. Noch wird nichts beobachtet: Fügen Sie ein Konto eines Dienstes hinzu, den Sie nutzen, oder probieren Sie zuerst die Demo aus.</translation>
    </message>
    <message>
        <source>Opens a second JobTray on throwaway data, with local stand-ins of every service: nothing is sent anywhere, and it is all gone when you quit it.</source>
        <translation>Öffnet ein zweites JobTray mit Wegwerfdaten und lokalen Nachbildungen aller Dienste: Nichts wird irgendwohin gesendet, und alles ist weg, wenn Sie es beenden.</translation>
    </message>
    <message>
        <source>Welcome to JobTray</source>
        <translation>Willkommen bei JobTray</translation>
    </message>
    <message>
        <source>Try the demo</source>
        <translation>Demo ausprobieren</translation>
    </message>
    <message>
        <source>Add an account</source>
        <translation>Konto hinzufügen</translation>
    </message>
    <message>
        <source>Add %1 account...</source>
        <translation>%1-Konto hinzufügen …</translation>
    </message>
</context>
<context>
    <name>run</name>
    <message>
        <source>JobTray hit an unexpected error</source>
        <translation>JobTray ist auf einen unerwarteten Fehler gestoßen</translation>
    </message>
    <message>
        <source>JobTray started a new database</source>
        <translation>JobTray hat eine neue Datenbank angelegt</translation>
    </message>
    <message>
        <source>A provider definition is not used</source>
        <translation>Eine Anbieterbeschreibung wird nicht verwendet</translation>
    </message>
</context>
<context>
    <name>PendingWork</name>
    <message>
        <source>no reason given</source>
        <translation>kein Grund angegeben</translation>
    </message>
    <message>
        <source>Saving %1: trying again (%2)</source>
        <translation>%1 wird gespeichert: neuer Versuch (%2)</translation>
    </message>
    <message>
        <source>Saving %1 failed: %2</source>
        <translation>%1 konnte nicht gespeichert werden: %2</translation>
    </message>
    <message>
        <source>A command for %1 may not have finished</source>
        <translation>Ein Befehl für %1 wurde möglicherweise nicht beendet</translation>
    </message>
    <message>
        <source>A command for %1 was stopped when JobTray quit</source>
        <translation>Ein Befehl für %1 wurde beim Beenden von JobTray gestoppt</translation>
    </message>
    <message>
        <source>A command for %1: trying again (%2)</source>
        <translation>Ein Befehl für %1: neuer Versuch (%2)</translation>
    </message>
    <message>
        <source>A command for %1 failed: %2</source>
        <translation>Ein Befehl für %1 ist fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>Forwarding %1 failed: %2</source>
        <translation>Weiterleiten von %1 ist fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>After-end work for %1 failed: %2</source>
        <translation>Nacharbeit für %1 ist fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>Save again</source>
        <translation>Erneut speichern</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>Erneut ausführen</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Verwerfen</translation>
    </message>
</context>
<context>
    <name>TrayPendingWork</name>
    <message>
        <source>Trying it again</source>
        <translation>Wird erneut versucht</translation>
    </message>
    <message>
        <source>Discarded</source>
        <translation>Verworfen</translation>
    </message>
</context>
</TS>
