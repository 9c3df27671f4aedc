REM A unit at work in LibreOffice Calc, for tests/test_forms_libreoffice.py: open a form,
REM type into its cells as a person types (the cell cursor moved there, the text entered
REM as the keyboard enters it, so Calc recognises dates, numbers and percentages by its
REM locale), save it in a format, close it.
REM
REM The job is a UTF-8 text file named by $CIRCLETRACK_LO_JOB, one tab-separated command a
REM line:
REM     open    PATH [FILTER OPTIONS]   (a CSV file is opened with a filter and its options)
REM     type    CELL TEXT               (A1-style cell of the active sheet)
REM     unprotect                       (the active sheet; it has no password)
REM     save    PATH FILTER [OPTIONS]   (Save As, to another file: the filter's format)
REM     close
REM What happened is written to JOB.log: each command, what each typed cell holds, and
REM `done` at the end, or `error` with Basic's message. LibreOffice quits when it is done.

Option Explicit

Dim logOut As Object

Sub Say(text As String)
    logOut.writeString(text & Chr(10))
End Sub

Sub Run
    Dim files As Object, job As Object, doc As Object, frame As Object, helper As Object
    Dim cell As Object, jobPath As String, command As String, parts As Variant
    Dim openArgs(0) As New com.sun.star.beans.PropertyValue
    Dim csvArgs(2) As New com.sun.star.beans.PropertyValue
    Dim gotoArgs(0) As New com.sun.star.beans.PropertyValue
    Dim typeArgs(0) As New com.sun.star.beans.PropertyValue
    Dim saveArgs(2) As New com.sun.star.beans.PropertyValue
    files = createUnoService("com.sun.star.ucb.SimpleFileAccess")
    jobPath = Environ("CIRCLETRACK_LO_JOB")
    logOut = createUnoService("com.sun.star.io.TextOutputStream")
    logOut.setOutputStream(files.openFileWrite(ConvertToURL(jobPath & ".log")))
    logOut.setEncoding("UTF-8")
    On Error GoTo Failed
    job = createUnoService("com.sun.star.io.TextInputStream")
    job.setInputStream(files.openFileRead(ConvertToURL(jobPath)))
    job.setEncoding("UTF-8")
    helper = createUnoService("com.sun.star.frame.DispatchHelper")
    Do While Not job.isEOF()
        command = job.readLine()
        parts = Split(command, Chr(9))
        Say(command)
        Select Case parts(0)
        Case "open"
            If UBound(parts) >= 3 Then
                csvArgs(0).Name = "Hidden"
                csvArgs(0).Value = True
                csvArgs(1).Name = "FilterName"
                csvArgs(1).Value = parts(2)
                csvArgs(2).Name = "FilterOptions"
                csvArgs(2).Value = parts(3)
                doc = StarDesktop.loadComponentFromURL(ConvertToURL(parts(1)), "_blank", 0, csvArgs())
            Else
                openArgs(0).Name = "Hidden"
                openArgs(0).Value = True
                doc = StarDesktop.loadComponentFromURL(ConvertToURL(parts(1)), "_blank", 0, openArgs())
            End If
            frame = doc.getCurrentController().getFrame()
        Case "type"
            gotoArgs(0).Name = "ToPoint"
            gotoArgs(0).Value = parts(1)
            helper.executeDispatch(frame, ".uno:GoToCell", "", 0, gotoArgs())
            typeArgs(0).Name = "StringName"
            typeArgs(0).Value = parts(2)
            helper.executeDispatch(frame, ".uno:EnterString", "", 0, typeArgs())
            cell = doc.getCurrentController().getActiveSheet().getCellRangeByName(parts(1))
            Say("  holds" & Chr(9) & cell.getType() & Chr(9) & cell.getFormula() & Chr(9) _
                & doc.getNumberFormats().getByKey(cell.NumberFormat).FormatString)
        Case "unprotect"
            doc.getCurrentController().getActiveSheet().unprotect("")
        Case "save"
            saveArgs(0).Name = "FilterName"
            saveArgs(0).Value = parts(2)
            saveArgs(1).Name = "Overwrite"
            saveArgs(1).Value = True
            saveArgs(2).Name = "FilterOptions"
            saveArgs(2).Value = ""
            If UBound(parts) >= 3 Then saveArgs(2).Value = parts(3)
            doc.storeToURL(ConvertToURL(parts(1)), saveArgs())
        Case "close"
            doc.close(True)
        Case Else
            Error 5
        End Select
    Loop
    Say("done")
    GoTo Finish
Failed:
    Say("error" & Chr(9) & Err & Chr(9) & "line " & Erl & Chr(9) & Error$)
Finish:
    logOut.closeOutput()
    StarDesktop.terminate()
End Sub
