<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>App</name>
    <message>
        <location filename="../../ecoinv/gui/app.py" line="73"/>
        <source>Unexpected error</source>
        <translation>意外错误</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/app.py" line="77"/>
        <source>Something went wrong: {error}

The details were written to the log (standard error).</source>
        <translation>出现错误:{error}

详细信息已写入日志(标准错误输出)。</translation>
    </message>
</context>
<context>
    <name>AttributeTableDock</name>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="453"/>
        <source>Attribute Table — {layer}</source>
        <translation>属性表 — {layer}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="454"/>
        <source>Filter: name, code, any value…</source>
        <translation>筛选:名称、代码或任意值…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="459"/>
        <source>Selected only</source>
        <translation>仅显示所选</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="460"/>
        <source>Zoom map to the selected rows</source>
        <translation>地图缩放至所选行</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="461"/>
        <source>Pan map to the selected rows</source>
        <translation>地图平移至所选行</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="462"/>
        <source>Deselect all</source>
        <translation>全部取消选择</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="474"/>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="558"/>
        <source>Zoom to Feature</source>
        <translation>缩放至要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="560"/>
        <source>Pan to Feature</source>
        <translation>平移至要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="562"/>
        <source>Select Only This Feature</source>
        <translation>仅选择此要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="564"/>
        <source>Feature History…</source>
        <translation>要素历史…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="576"/>
        <source>Features total: {total}, filtered: {shown}, selected: {selected}</source>
        <translation>要素总数:{total},筛选后:{shown},已选:{selected}</translation>
    </message>
</context>
<context>
    <name>AttributeTableModel</name>
    <message>
        <location filename="../../ecoinv/gui/attribute_table.py" line="169"/>
        <source>Computed by the inventory (geodesic area); read-only</source>
        <translation>由清单自动计算(椭球面积),只读</translation>
    </message>
</context>
<context>
    <name>EditTools</name>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="205"/>
        <source>A polygon needs at least three vertices.</source>
        <translation>多边形至少需要三个顶点。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="206"/>
        <source>A line needs at least two vertices.</source>
        <translation>线至少需要两个顶点。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="219"/>
        <source>The polygon is not valid ({reason}); move or remove a vertex (Backspace).</source>
        <translation>多边形无效({reason});请移动或删除一个顶点(Backspace)。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="440"/>
        <source>The feature being edited no longer exists.</source>
        <translation>正在编辑的要素已不存在。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="517"/>
        <source>Click a feature of the editing layer to edit its vertices.</source>
        <translation>单击编辑图层中的要素以编辑其顶点。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="522"/>
        <source>Drag a vertex to move it; double-click an edge to add one; click a vertex and press Delete to remove it.</source>
        <translation>拖动顶点可移动它;双击边可添加顶点;单击顶点后按 Delete 键可删除它。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="571"/>
        <source>Move vertex of {feature}</source>
        <translation>移动 {feature} 的顶点</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="576"/>
        <location filename="../../ecoinv/gui/edit_tools.py" line="591"/>
        <source>Add vertex to {feature}</source>
        <translation>为 {feature} 添加顶点</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="623"/>
        <source>A ring keeps at least three vertices; a point cannot lose its only one.</source>
        <translation>环至少保留三个顶点;点不能删除其唯一的顶点。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="627"/>
        <source>Delete vertex of {feature}</source>
        <translation>删除 {feature} 的顶点</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="737"/>
        <source>Press on a feature of the editing layer and drag it.</source>
        <translation>在编辑图层的要素上按下鼠标并拖动。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/edit_tools.py" line="772"/>
        <source>Move {feature}</source>
        <translation>移动 {feature}</translation>
    </message>
</context>
<context>
    <name>Editor</name>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="234"/>
        <source>The editing layer is hidden; show it in the Layers panel.</source>
        <translation>编辑图层已隐藏;请在图层面板中显示它。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="269"/>
        <source>The edit was not made</source>
        <translation>未能完成编辑</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="282"/>
        <source>Changed by someone else</source>
        <translation>已被他人修改</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="283"/>
        <source>{feature} was changed or deleted by another program since you started editing it. It has been reloaded; make your change again.</source>
        <translation>自您开始编辑以来,{feature} 已被其他程序修改或删除。已重新加载,请重新修改。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="289"/>
        <source>The geometry was not changed</source>
        <translation>几何未更改</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="297"/>
        <source>Cannot undo or redo</source>
        <translation>无法撤销或重做</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="314"/>
        <source>Add “{name}” to {layer}</source>
        <translation>向{layer}添加“{name}”</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="315"/>
        <source>Add a feature to {layer}</source>
        <translation>向{layer}添加要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="358"/>
        <source>A hole must lie inside one polygon of the editing layer, clear of its edges and other holes.</source>
        <translation>洞必须位于编辑图层的某个多边形内部,且不能接触其边界和其他洞。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="371"/>
        <source>The hole touches another hole or the edge: {reason}</source>
        <translation>洞与其他洞或边界相接触:{reason}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="375"/>
        <source>Add a hole to {feature}</source>
        <translation>为 {feature} 添加洞</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="395"/>
        <source>The line does not split any feature: draw it across a polygon from one side to the other.</source>
        <translation>该线未分割任何要素:请从多边形的一侧画到另一侧。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="401"/>
        <source>Split {feature}</source>
        <translation>分割 {feature}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="404"/>
        <source>Split {n} features of {layer}</source>
        <translation>分割{layer}的 {n} 个要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="409"/>
        <source>The features were not split</source>
        <translation>要素未被分割</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="411"/>
        <source>Split {n} features.</source>
        <translation>已分割 {n} 个要素。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="420"/>
        <source>Select two or more polygons of the editing layer to merge them.</source>
        <translation>请选择编辑图层中的两个或更多多边形进行合并。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="432"/>
        <source>Merge {n} features into {feature}</source>
        <translation>将 {n} 个要素合并到 {feature}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="434"/>
        <source>The features were not merged</source>
        <translation>要素未被合并</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="450"/>
        <source>Select features of the editing layer to delete them.</source>
        <translation>请先选择编辑图层中要删除的要素。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="455"/>
        <source>{n} features of {layer}</source>
        <translation>{layer}的 {n} 个要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="456"/>
        <source>Delete {what}?</source>
        <translation>删除{what}?</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="460"/>
        <source>Their {n} functional zones are deleted with them.</source>
        <translation>其 {n} 个功能分区将一并删除。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="461"/>
        <source>The deletion is saved at once; Edit &gt; Undo brings the features back.</source>
        <translation>删除会立即保存;使用“编辑 &gt; 撤销”可恢复这些要素。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="462"/>
        <source>Delete Features</source>
        <translation>删除要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="473"/>
        <source>Delete {feature}</source>
        <translation>删除 {feature}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="474"/>
        <source>Delete {what}</source>
        <translation>删除{what}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="475"/>
        <source>The features were not deleted</source>
        <translation>要素未被删除</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="476"/>
        <source>Deleted {what}.</source>
        <translation>已删除{what}。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="488"/>
        <source>Select one feature of the editing layer to see its history.</source>
        <translation>请选择编辑图层中的一个要素以查看其历史。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="557"/>
        <source>No edits yet</source>
        <translation>尚无编辑</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="559"/>
        <source>Last edit: {time}</source>
        <translation>最后编辑:{time}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="561"/>
        <source>Every edit is saved to the inventory file at once; last change by {user} ({what}, {layer} {fid})</source>
        <translation>每次编辑都会立即保存到清单文件;最后修改者 {user}({what},{layer} {fid})</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="598"/>
        <source>Delete the {n} selected features of the editing layer (Del)</source>
        <translation>删除编辑图层中选中的 {n} 个要素(Del)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="610"/>
        <source>Editing layer:</source>
        <translation>编辑图层:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="611"/>
        <source>The layer that new features go to and that the editing tools work on (the current layer)</source>
        <translation>新要素所在、编辑工具所作用的图层(即当前图层)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="614"/>
        <source>Add &amp;Polygon</source>
        <translation>添加多边形(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="615"/>
        <source>Add a polygon: click its vertices; Backspace removes the last, Enter or a double click finishes, Esc cancels</source>
        <translation>添加多边形:依次单击顶点;Backspace 删除最后一个顶点,Enter 或双击完成,Esc 取消</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="617"/>
        <source>Add &amp;Hole</source>
        <translation>添加洞(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="618"/>
        <source>Cut a hole into a polygon: draw the hole&apos;s outline inside it</source>
        <translation>在多边形中挖洞:在其内部绘制洞的轮廓</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="619"/>
        <source>Add P&amp;oint</source>
        <translation>添加点(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="619"/>
        <source>Add a point (a monitoring station): click where it is</source>
        <translation>添加点(监测站点):在其位置单击</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="621"/>
        <source>&amp;Vertex Tool</source>
        <translation>顶点工具(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="622"/>
        <source>Edit vertices: drag to move, double-click an edge to add, select and press Delete to remove</source>
        <translation>编辑顶点:拖动以移动,双击边以添加,选中后按 Delete 删除</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="624"/>
        <source>&amp;Move Feature</source>
        <translation>移动要素(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="624"/>
        <source>Move a feature: drag it</source>
        <translation>移动要素:拖动它</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="625"/>
        <source>Spli&amp;t Features</source>
        <translation>分割要素(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="626"/>
        <source>Split polygons: draw a line across them (the selected ones only, if any)</source>
        <translation>分割多边形:画一条穿过它们的线(如有选中要素,则只分割选中的)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="634"/>
        <source>&amp;Delete Selected…</source>
        <translation>删除所选(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="635"/>
        <source>Delete the selected features of the editing layer (asks first)</source>
        <translation>删除编辑图层中选中的要素(会先确认)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="636"/>
        <source>Mer&amp;ge Selected…</source>
        <translation>合并所选(&amp;G)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="637"/>
        <source>Merge the selected polygons of the editing layer into one feature</source>
        <translation>将编辑图层中选中的多边形合并为一个要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="638"/>
        <source>Feature &amp;History…</source>
        <translation>要素历史(&amp;H)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="639"/>
        <source>Show every change of the selected feature and restore an old version</source>
        <translation>显示所选要素的每次修改,并可恢复旧版本</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="646"/>
        <source>Show the undo history panel</source>
        <translation>显示撤销历史面板</translation>
    </message>
</context>
<context>
    <name>ExportLayerDialog</name>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="152"/>
        <location filename="../../ecoinv/gui/export_dialog.py" line="254"/>
        <source>Export Layer</source>
        <translation>导出图层</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="153"/>
        <source>Layer:</source>
        <translation>图层:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="156"/>
        <source>Format:</source>
        <translation>格式:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="160"/>
        <source>File:</source>
        <translation>文件:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="161"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="162"/>
        <source>Text encoding:</source>
        <translation>文字编码:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="163"/>
        <source>Shapefile and CSV only. GBK is what older Chinese GIS software and Excel expect.</source>
        <translation>仅用于 Shapefile 和 CSV。较旧的中文 GIS 软件和 Excel 需要 GBK 编码。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="165"/>
        <source>Coordinate system:</source>
        <translation>坐标系:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="166"/>
        <source>Storage CRS: {crs}</source>
        <translation>存储坐标系:{crs}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="168"/>
        <source>Other (EPSG code, WKT or PROJ)…</source>
        <translation>其他(EPSG 代码、WKT 或 PROJ)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="169"/>
        <source>Add the geometry as WKT text (CSV and XLSX)</source>
        <translation>以 WKT 文本附加几何图形(CSV 和 XLSX)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="170"/>
        <source>Add the statistics tables as sheets (XLSX)</source>
        <translation>将统计表作为工作表附加(XLSX)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="171"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="174"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="174"/>
        <source>Shapefile (*.shp)</source>
        <translation>Shapefile (*.shp)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="175"/>
        <source>GeoJSON (*.geojson)</source>
        <translation>GeoJSON (*.geojson)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="175"/>
        <source>CSV table (*.csv)</source>
        <translation>CSV 表格 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="176"/>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="269"/>
        <source>Choose the file to export to.</source>
        <translation>请选择要导出到的文件。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="274"/>
        <source>The folder {folder} does not exist.</source>
        <translation>文件夹 {folder} 不存在。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="284"/>
        <source>Type the coordinate system, e.g. EPSG:4553.</source>
        <translation>请输入坐标系,例如 EPSG:4553。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="309"/>
        <source>Replace the file?</source>
        <translation>替换文件?</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="310"/>
        <source>{path} already exists. Replace it?</source>
        <translation>{path} 已存在。是否替换?</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/export_dialog.py" line="366"/>
        <source>Export cancelled: nothing was written.</source>
        <translation>导出已取消:未写入任何内容。</translation>
    </message>
</context>
<context>
    <name>FeatureForm</name>
    <message>
        <location filename="../../ecoinv/gui/feature_form.py" line="197"/>
        <source>{field} is required.</source>
        <translation>{field}为必填项。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/feature_form.py" line="235"/>
        <source>New Feature — {layer}</source>
        <translation>新要素 — {layer}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/feature_form.py" line="236"/>
        <source>Attributes of the new feature. Fields marked * are required.</source>
        <translation>新要素的属性。标有 * 的字段为必填项。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/feature_form.py" line="241"/>
        <source>required</source>
        <translation>必填</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/feature_form.py" line="242"/>
        <source>GIS area (geodesic):</source>
        <translation>GIS面积(椭球面):</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/feature_form.py" line="248"/>
        <source>{ha} ha</source>
        <translation>{ha} 公顷</translation>
    </message>
</context>
<context>
    <name>FeatureHistoryDialog</name>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="86"/>
        <source>{feature}: {n} recorded changes, newest first.</source>
        <translation>{feature}:共 {n} 条修改记录,最新的在前。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="92"/>
        <source>created</source>
        <translation>创建</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="92"/>
        <source>changed</source>
        <translation>修改</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="93"/>
        <source>deleted</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="96"/>
        <source>{kind} (undo)</source>
        <translation>{kind}(撤销)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="98"/>
        <source>{kind} (redo)</source>
        <translation>{kind}(重做)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="100"/>
        <source>{kind} (restored)</source>
        <translation>{kind}(恢复)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="108"/>
        <source>geometry: {before} ha → {after} ha</source>
        <translation>几何:{before} 公顷 → {after} 公顷</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="111"/>
        <source>geometry moved</source>
        <translation>几何已移动</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="113"/>
        <source>area {ha} ha</source>
        <translation>面积 {ha} 公顷</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="115"/>
        <source>area was {ha} ha</source>
        <translation>原面积 {ha} 公顷</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="141"/>
        <source>Restore {feature} to the version of {time}</source>
        <translation>将 {feature} 恢复到 {time} 的版本</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="145"/>
        <source>The version was not restored</source>
        <translation>版本未恢复</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="157"/>
        <source>Feature History — {layer} {fid}</source>
        <translation>要素历史 — {layer} {fid}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="159"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="159"/>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="159"/>
        <source>Change</source>
        <translation>修改</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="160"/>
        <source>From → to</source>
        <translation>从 → 到</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="161"/>
        <source>&amp;Restore This Version</source>
        <translation>恢复此版本(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/history_dialog.py" line="162"/>
        <source>Put the feature back as it was after the chosen change (can be undone)</source>
        <translation>将要素恢复为所选修改之后的状态(可撤销)</translation>
    </message>
</context>
<context>
    <name>IdentifyPanel</name>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="46"/>
        <source>Identify Results</source>
        <translation>识别结果</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="47"/>
        <source>Feature</source>
        <translation>要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="47"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="75"/>
        <source>Clicked at</source>
        <translation>点击位置</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="79"/>
        <source>No features here</source>
        <translation>此处没有要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="84"/>
        <source>{n} features</source>
        <translation>{n} 个要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="85"/>
        <source>1 feature</source>
        <translation>1 个要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="111"/>
        <source>{ha} ha ({km2} km², geodesic)</source>
        <translation>{ha} 公顷({km2} 平方千米,椭球面积)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="121"/>
        <source>Coordinates</source>
        <translation>坐标</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="125"/>
        <source>GIS vs reported area</source>
        <translation>GIS 面积与批复面积之差</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="147"/>
        <source>Zoom to Feature</source>
        <translation>缩放到要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/identify_panel.py" line="149"/>
        <source>Feature History…</source>
        <translation>要素历史…</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="232"/>
        <source>Import into the Inventory</source>
        <translation>导入清单</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="233"/>
        <source>File:</source>
        <translation>文件:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="234"/>
        <source>Shapefile, zip, GeoPackage, GeoJSON or KML</source>
        <translation>Shapefile、zip、GeoPackage、GeoJSON 或 KML</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="235"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="236"/>
        <source>Layer in the file:</source>
        <translation>文件中的图层:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="237"/>
        <source>Import into:</source>
        <translation>导入到:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="241"/>
        <source>What the file contains</source>
        <translation>文件内容</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="242"/>
        <source>Contents:</source>
        <translation>内容:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="243"/>
        <source>Encoding:</source>
        <translation>编码:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="244"/>
        <source>Coordinate system:</source>
        <translation>坐标系:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="245"/>
        <source>Unknown codes:</source>
        <translation>无法识别的代码:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="246"/>
        <source>Refuse the import</source>
        <translation>拒绝导入</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="246"/>
        <source>Skip the feature</source>
        <translation>跳过该要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="247"/>
        <source>Keep the value in the remarks</source>
        <translation>保留原值到备注</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="249"/>
        <source>Fields in the file</source>
        <translation>文件字段</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="250"/>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="250"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="251"/>
        <source>Field mapping (change it if needed)</source>
        <translation>字段对应(可修改)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="253"/>
        <source>Inventory field</source>
        <translation>清单字段</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="253"/>
        <source>Taken from</source>
        <translation>取自</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="253"/>
        <source>Value for every feature</source>
        <translation>统一取值</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="254"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="254"/>
        <source>Features</source>
        <translation>要素数</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="255"/>
        <source>Check Only</source>
        <translation>仅检查</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="256"/>
        <source>Go through the whole import and roll it back: nothing is written</source>
        <translation>完整执行一遍导入后回滚:不写入任何数据</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="258"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="259"/>
        <source>Cancel Import</source>
        <translation>取消导入</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="260"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="261"/>
        <source>Save Report…</source>
        <translation>保存报告…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="273"/>
        <source>Choose a file to import</source>
        <translation>选择要导入的文件</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="274"/>
        <source>GIS files ({patterns});;All files (*)</source>
        <translation>GIS 文件 ({patterns});;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="301"/>
        <location filename="../../ecoinv/gui/import_dialog.py" line="408"/>
        <source>Cannot read {path}: {error}</source>
        <translation>无法读取 {path}:{error}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="426"/>
        <source>{format}, layer “{layer}”: {count} features ({geometry})</source>
        <translation>{format},图层“{layer}”:{count} 个要素({geometry})</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="430"/>
        <source>chosen here</source>
        <translation>在此选择</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="430"/>
        <source>from the .cpg file</source>
        <translation>来自 .cpg 文件</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="431"/>
        <source>from the DBF language byte</source>
        <translation>来自 DBF 语言驱动标识</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="432"/>
        <source>detected from the text</source>
        <translation>根据文本内容判断</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="433"/>
        <source>guessed (no better evidence)</source>
        <translation>推测(无更可靠依据)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="434"/>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="434"/>
        <source>fixed by the format</source>
        <translation>由格式规定</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="438"/>
        <source>not applicable</source>
        <translation>不适用</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="439"/>
        <source>As found: {encoding} ({how})</source>
        <translation>识别结果:{encoding}({how})</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="454"/>
        <source>From the file: {crs}</source>
        <translation>取自文件:{crs}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="457"/>
        <source>Unknown: choose a coordinate system</source>
        <translation>未知:请选择坐标系</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="462"/>
        <source>Other…</source>
        <translation>其他…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="466"/>
        <source>The file has no coordinate system (.prj).</source>
        <translation>文件没有坐标系(.prj)。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="468"/>
        <source>The coordinates fit the systems listed; choose one. Nothing is assumed.</source>
        <translation>坐标与所列坐标系相符,请选择其一。程序不会自行假定。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="471"/>
        <source>Best fit: {candidate}</source>
        <translation>最匹配:{candidate}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="473"/>
        <source>{source} → stored as {target}</source>
        <translation>{source} → 存储为 {target}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="488"/>
        <source>Choose the coordinate system before importing.</source>
        <translation>导入前请先选择坐标系。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="503"/>
        <source>Asset name (instead of its id)</source>
        <translation>所属资产名称(代替编号)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="519"/>
        <source>matched: {how}</source>
        <translation>匹配方式:{how}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="522"/>
        <source>(not imported)</source>
        <translation>(不导入)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="525"/>
        <source>(one value for every feature)</source>
        <translation>(统一取值)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="609"/>
        <source>%v of %m features</source>
        <translation>%v / %m 个要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="625"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="637"/>
        <source>Check finished: nothing was written. {refused} features would be refused.</source>
        <translation>检查完成:未写入任何数据。将有 {refused} 个要素被拒绝。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="639"/>
        <source>Check finished: the file can be imported; nothing was written.</source>
        <translation>检查完成:文件可以导入;未写入任何数据。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="641"/>
        <source>Imported {added} new and {updated} updated features into {layer}.</source>
        <translation>已向{layer}导入 {added} 个新要素,更新 {updated} 个要素。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="655"/>
        <source>Import cancelled: nothing was imported.</source>
        <translation>导入已取消:未导入任何数据。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="657"/>
        <location filename="../../ecoinv/gui/import_dialog.py" line="659"/>
        <source>Nothing was imported: {reason}</source>
        <translation>未导入任何数据:{reason}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="661"/>
        <source>The import failed unexpectedly; nothing was imported: {reason}</source>
        <translation>导入意外失败,未导入任何数据:{reason}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="670"/>
        <source>Added</source>
        <translation>新增</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="670"/>
        <source>Updated</source>
        <translation>更新</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="671"/>
        <source>Unchanged</source>
        <translation>未变</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="671"/>
        <source>Repaired</source>
        <translation>已修复</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="672"/>
        <source>Skipped</source>
        <translation>跳过</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="672"/>
        <source>Refused</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="676"/>
        <source>Read from the file</source>
        <translation>已读取</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="696"/>
        <source>Save the import report</source>
        <translation>保存导入报告</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/import_dialog.py" line="697"/>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
</context>
<context>
    <name>LayerTreeModel</name>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="276"/>
        <source>opacity {pct}%</source>
        <translation>不透明度 {pct}%</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="318"/>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
</context>
<context>
    <name>LayersPanel</name>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="483"/>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="484"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="485"/>
        <source>Opacity of the current layer</source>
        <translation>当前图层的不透明度</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="486"/>
        <source>Move the layer up (drawn later, on top)</source>
        <translation>图层上移(后绘制,位于上层)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="487"/>
        <source>Move the layer down</source>
        <translation>图层下移</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="545"/>
        <source>Zoom to Layer</source>
        <translation>缩放至图层</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="547"/>
        <source>Open Attribute Table</source>
        <translation>打开属性表</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="549"/>
        <source>Export Layer…</source>
        <translation>导出图层…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="553"/>
        <source>Style…</source>
        <translation>样式…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="556"/>
        <source>Show All Categories</source>
        <translation>显示全部类别</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="558"/>
        <source>Hide All Categories</source>
        <translation>隐藏全部类别</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="562"/>
        <source>Reset Styles</source>
        <translation>恢复默认样式</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="566"/>
        <source>Move Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="568"/>
        <source>Move Down</source>
        <translation>下移</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="294"/>
        <source>Rendering…</source>
        <translation>正在绘制…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="300"/>
        <source>Statistics: {error}</source>
        <translation>统计:{error}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="316"/>
        <source>&amp;New Inventory…</source>
        <translation>新建清单(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="316"/>
        <source>Create an empty inventory file</source>
        <translation>新建空白清单文件</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="317"/>
        <source>&amp;Open Inventory…</source>
        <translation>打开清单(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="317"/>
        <source>Open an inventory file</source>
        <translation>打开清单文件</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="318"/>
        <source>&amp;Import Data…</source>
        <translation>导入数据(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="318"/>
        <source>Import a shapefile, GeoPackage, GeoJSON or KML into a layer</source>
        <translation>将 Shapefile、GeoPackage、GeoJSON 或 KML 导入图层</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="320"/>
        <source>Save Window &amp;Image…</source>
        <translation>保存窗口图像(&amp;M)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="320"/>
        <source>Save an image of the window</source>
        <translation>将窗口保存为图像</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="321"/>
        <source>Show Inventory Folder</source>
        <translation>打开清单所在文件夹</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="321"/>
        <source>Open the folder of the inventory file</source>
        <translation>打开清单文件所在的文件夹</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="322"/>
        <source>Export &amp;Report as PDF…</source>
        <translation>导出报告为 PDF(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="323"/>
        <source>Write the inventory report (statistics, maps, tables) as a PDF</source>
        <translation>将清查报告(统计、地图、表格)输出为 PDF</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="324"/>
        <source>Print Pre&amp;view…</source>
        <translation>打印预览(&amp;V)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="324"/>
        <source>Show the inventory report as it will be printed</source>
        <translation>按打印效果显示清查报告</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="326"/>
        <source>&amp;Print…</source>
        <translation>打印(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="326"/>
        <source>Print the inventory report</source>
        <translation>打印清查报告</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="327"/>
        <source>&amp;Export Layer…</source>
        <translation>导出图层(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="327"/>
        <source>Export a layer to GeoPackage, Shapefile, GeoJSON, CSV or XLSX</source>
        <translation>将图层导出为 GeoPackage、Shapefile、GeoJSON、CSV 或 XLSX</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="329"/>
        <source>&amp;Close Inventory</source>
        <translation>关闭清单(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="329"/>
        <source>Close the inventory</source>
        <translation>关闭清单</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="330"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="330"/>
        <source>Quit the program</source>
        <translation>退出程序</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="331"/>
        <source>Undo the last edit</source>
        <translation>撤销上一步编辑</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="332"/>
        <source>Redo the edit undone last</source>
        <translation>重做刚撤销的编辑</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="333"/>
        <source>Zoom to &amp;Full Extent</source>
        <translation>缩放至全图(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="333"/>
        <source>Show the whole inventory</source>
        <translation>显示清单全部范围</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="334"/>
        <source>Zoom to &amp;Layer</source>
        <translation>缩放至图层(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="334"/>
        <source>Show the whole current layer</source>
        <translation>显示当前图层全部范围</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="335"/>
        <source>Zoom to &amp;Selection</source>
        <translation>缩放至所选(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="335"/>
        <source>Show the selected features</source>
        <translation>显示所选要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="336"/>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="336"/>
        <source>Read the inventory again and redraw the map</source>
        <translation>重新读取清单并重绘地图</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="337"/>
        <source>Open &amp;Attribute Table</source>
        <translation>打开属性表(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="337"/>
        <source>Open the current layer&apos;s attribute table</source>
        <translation>打开当前图层的属性表</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="339"/>
        <source>&amp;Deselect All</source>
        <translation>全部取消选择(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="339"/>
        <source>Clear the selection in every layer</source>
        <translation>清除所有图层中的选择</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="340"/>
        <source>&amp;Statistics</source>
        <translation>统计(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="340"/>
        <source>Show the coverage statistics</source>
        <translation>显示覆盖率统计</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="341"/>
        <source>&amp;About ecoinv</source>
        <translation>关于 ecoinv(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="341"/>
        <source>About this program</source>
        <translation>关于本程序</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="342"/>
        <source>&amp;Pan Map</source>
        <translation>平移地图(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="342"/>
        <source>Pan the map: drag with the mouse</source>
        <translation>平移地图:用鼠标拖动</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="343"/>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="343"/>
        <source>Zoom in: click, or drag a rectangle</source>
        <translation>放大:单击或拖出矩形</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="344"/>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="344"/>
        <source>Zoom out: click, or drag a rectangle</source>
        <translation>缩小:单击或拖出矩形</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="345"/>
        <source>&amp;Identify Features</source>
        <translation>识别要素(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="345"/>
        <source>Identify: click a place to list every feature there</source>
        <translation>识别:单击某处,列出该处的全部要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="347"/>
        <source>&amp;Select Features</source>
        <translation>选择要素(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="347"/>
        <source>Select features of the current layer: click or drag; Shift adds, Ctrl removes</source>
        <translation>选择当前图层的要素:单击或拖框;按住 Shift 添加,按住 Ctrl 移除</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="349"/>
        <source>System Default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="349"/>
        <source>Follow the system language</source>
        <translation>使用系统语言</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="350"/>
        <source>Show &amp;Labels</source>
        <translation>显示标注(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="350"/>
        <source>Show the names of sites, districts and stations on the map</source>
        <translation>在地图上显示保护地、区县和站点的名称</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="352"/>
        <source>Show Scale Bar and &amp;North Arrow</source>
        <translation>显示比例尺和指北针(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="353"/>
        <source>Show the scale bar and the north arrow on the map</source>
        <translation>在地图上显示比例尺和指北针</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="362"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="363"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="364"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="365"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="366"/>
        <source>Panels</source>
        <translation>面板</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="367"/>
        <source>Toolbars</source>
        <translation>工具栏</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="368"/>
        <source>&amp;Layer</source>
        <translation>图层(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="369"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="370"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="371"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="372"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="373"/>
        <source>Map Navigation</source>
        <translation>地图浏览</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="374"/>
        <source>Attributes</source>
        <translation>属性</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="375"/>
        <source>Editing</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="376"/>
        <source>Coordinate:</source>
        <translation>坐标:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="377"/>
        <source>Scale:</source>
        <translation>比例尺:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="378"/>
        <source>Current map scale; type 1:N to zoom to a scale</source>
        <translation>当前地图比例尺;输入 1:N 可缩放到该比例尺</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="379"/>
        <source>Longitude and latitude (CGCS2000)</source>
        <translation>经纬度(CGCS2000)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="380"/>
        <source>Coordinates in the map&apos;s display CRS (metres)</source>
        <translation>地图显示坐标系中的坐标(米)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="381"/>
        <source>The map&apos;s display CRS; areas are always geodesic</source>
        <translation>地图显示坐标系;面积始终按椭球面计算</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="401"/>
        <source>Open Inventory</source>
        <translation>打开清单</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="402"/>
        <source>Inventories (*.sqlite *.sqlite3 *.db);;All files (*)</source>
        <translation>清单文件 (*.sqlite *.sqlite3 *.db);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="409"/>
        <location filename="../../ecoinv/gui/main_window.py" line="415"/>
        <source>New Inventory</source>
        <translation>新建清单</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="410"/>
        <source>Inventories (*.sqlite)</source>
        <translation>清单文件 (*.sqlite)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="416"/>
        <source>Name of the inventory (shown in reports):</source>
        <translation>清单名称(显示在报告中):</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="425"/>
        <source>{path} already exists; open it instead.</source>
        <translation>{path} 已存在;请直接打开。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="429"/>
        <source>Cannot create the inventory</source>
        <translation>无法新建清单</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="439"/>
        <source>Cannot open the inventory</source>
        <translation>无法打开清单</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="458"/>
        <source>Opened {path}</source>
        <translation>已打开 {path}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="491"/>
        <source>ecoinv — Ecological Asset Inventory</source>
        <translation>ecoinv — 生态资产清单</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="511"/>
        <source>(none)</source>
        <translation>(无)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="515"/>
        <source>Clear the List</source>
        <translation>清空列表</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="564"/>
        <source>The inventory was changed by another program; reloaded.</source>
        <translation>清单已被其他程序修改,已重新加载。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="595"/>
        <source>Edit {fields} of {layer} {fid}</source>
        <translation>编辑{layer} {fid} 的{fields}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="608"/>
        <source>Cannot undo</source>
        <translation>无法撤销</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="615"/>
        <source>Cannot redo</source>
        <translation>无法重做</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="622"/>
        <source>{what}: changed by someone else</source>
        <translation>{what}:已被他人修改</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="641"/>
        <source>&amp;Undo {what}</source>
        <translation>撤销(&amp;U) {what}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="331"/>
        <location filename="../../ecoinv/gui/main_window.py" line="642"/>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="643"/>
        <source>&amp;Redo {what}</source>
        <translation>重做(&amp;R) {what}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="332"/>
        <location filename="../../ecoinv/gui/main_window.py" line="644"/>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="658"/>
        <source>The layer is empty.</source>
        <translation>该图层为空。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="672"/>
        <source>Nothing is selected.</source>
        <translation>未选择任何要素。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="707"/>
        <source>1 feature selected</source>
        <translation>已选择 1 个要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="708"/>
        <source>{n} features selected</source>
        <translation>已选择 {n} 个要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="730"/>
        <source>The value was not saved</source>
        <translation>该值未保存</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="751"/>
        <location filename="../../ecoinv/gui/main_window.py" line="805"/>
        <source>No inventory open</source>
        <translation>未打开清单</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="752"/>
        <source>Open or create an inventory before importing data.</source>
        <translation>请先打开或新建清单,再导入数据。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="774"/>
        <source>Imported {n} features into {layer}.</source>
        <translation>已向{layer}导入 {n} 个要素。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="806"/>
        <source>Open an inventory before exporting a layer.</source>
        <translation>请先打开清查数据库,再导出图层。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="816"/>
        <source>The layer was not exported</source>
        <translation>图层未导出</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="824"/>
        <source>Exported {n} features of {layer} to {path}.</source>
        <translation>已将{layer}的 {n} 个要素导出到 {path}。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="905"/>
        <source>Map drawing failed</source>
        <translation>地图绘制失败</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="906"/>
        <source>The map could not be drawn: {error}</source>
        <translation>无法绘制地图:{error}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="923"/>
        <source>Something went wrong: {error}</source>
        <translation>出现错误:{error}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="939"/>
        <source>About ecoinv</source>
        <translation>关于 ecoinv</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="940"/>
        <source>&lt;b&gt;ecoinv {version}&lt;/b&gt;&lt;br&gt;Ecological-asset inventory for a city&apos;s Ecology and Environment Bureau: protected sites, zones, land cover and monitoring stations in one SpatiaLite file.&lt;br&gt;&lt;br&gt;Areas are geodesic (on the ellipsoid of the inventory&apos;s CRS); overlapping sites are counted once in coverage figures.</source>
        <translation>&lt;b&gt;ecoinv {version}&lt;/b&gt;&lt;br&gt;生态环境局生态资产清单:保护地、功能分区、土地覆盖和监测站点,保存在一个 SpatiaLite 文件中。&lt;br&gt;&lt;br&gt;面积按清单坐标系的椭球面计算;统计覆盖率时重叠的保护地只计一次。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="948"/>
        <source>Save Window Image</source>
        <translation>保存窗口图像</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="949"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="956"/>
        <source>Cannot save the image</source>
        <translation>无法保存图像</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="957"/>
        <source>{path} could not be written.</source>
        <translation>无法写入 {path}。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="971"/>
        <source>Import running</source>
        <translation>导入正在进行</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/main_window.py" line="972"/>
        <source>An import is running. Cancel it and quit? Nothing of it will be kept.</source>
        <translation>导入正在进行。要取消导入并退出吗?已导入的部分不会保留。</translation>
    </message>
</context>
<context>
    <name>MapCanvas</name>
    <message>
        <location filename="../../ecoinv/gui/canvas.py" line="501"/>
        <source>Open or create an inventory (File menu), or drop a file here.</source>
        <translation>请打开或新建清单(文件菜单),或将文件拖放到此处。</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="74"/>
        <source>Merge Features</source>
        <translation>合并要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="75"/>
        <source>Merge {n} features of {layer} into one. Keep the attributes of:</source>
        <translation>将{layer}的 {n} 个要素合并为一个。保留以下要素的属性:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/editor.py" line="78"/>
        <source>Zones of the other sites move to the kept one.</source>
        <translation>其他保护地的功能分区将移到保留的保护地。</translation>
    </message>
</context>
<context>
    <name>ReportController</name>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="309"/>
        <location filename="../../ecoinv/gui/report_actions.py" line="420"/>
        <source>Print the Report</source>
        <translation>打印报告</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="324"/>
        <location filename="../../ecoinv/gui/report_actions.py" line="382"/>
        <source>Export Report as PDF</source>
        <translation>导出报告为 PDF</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="325"/>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="333"/>
        <source>No inventory open</source>
        <translation>未打开清查数据库</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="334"/>
        <source>Open an inventory to make its report.</source>
        <translation>请先打开清查数据库,再生成报告。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="337"/>
        <source>A report is already being made.</source>
        <translation>已有报告正在生成。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="379"/>
        <source>Report written to {path} ({pages} pages).</source>
        <translation>报告已写入 {path}(共 {pages} 页)。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="383"/>
        <source>The report was not written</source>
        <translation>报告未写入</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="384"/>
        <source>Report cancelled: no file was written.</source>
        <translation>报告已取消:未写入任何文件。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="417"/>
        <source>Report sent to {printer} ({pages} pages).</source>
        <translation>报告已发送到 {printer}(共 {pages} 页)。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="421"/>
        <source>The report was not printed</source>
        <translation>报告未打印</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="421"/>
        <source>Printing cancelled.</source>
        <translation>打印已取消。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="425"/>
        <source>Print Preview of the Report</source>
        <translation>报告打印预览</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="426"/>
        <location filename="../../ecoinv/gui/report_actions.py" line="446"/>
        <source>The report cannot be shown</source>
        <translation>无法显示报告</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="427"/>
        <source>Print preview cancelled.</source>
        <translation>打印预览已取消。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="439"/>
        <source>Print Preview — {title}</source>
        <translation>打印预览 — {title}</translation>
    </message>
</context>
<context>
    <name>ReportJob</name>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="170"/>
        <source>Computing the statistics…</source>
        <translation>正在计算统计数据…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="187"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="207"/>
        <source>Page {n} of {total}</source>
        <translation>第 {n} 页 / 共 {total} 页</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="224"/>
        <source>Laying out the pages…</source>
        <translation>正在排版…</translation>
    </message>
</context>
<context>
    <name>ReportOptionsDialog</name>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="93"/>
        <source>Export Report as PDF</source>
        <translation>导出报告为 PDF</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="93"/>
        <source>Print the Report</source>
        <translation>打印报告</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="94"/>
        <source>Print Preview of the Report</source>
        <translation>报告打印预览</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="95"/>
        <source>Choose File…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="95"/>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="96"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="99"/>
        <source>Report language:</source>
        <translation>报告语言:</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="100"/>
        <source>Include the site atlas (one page per site, with its map)</source>
        <translation>包含资产图集(每处资产一页,附地图)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="101"/>
        <source>Sections</source>
        <translation>章节</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="102"/>
        <source>Cover and contents</source>
        <translation>封面和目录</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="102"/>
        <source>Summary</source>
        <translation>总体情况</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="103"/>
        <source>Overview map</source>
        <translation>分布总图</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="103"/>
        <source>Sites by category</source>
        <translation>分类清查结果</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="104"/>
        <source>Districts and counties</source>
        <translation>分区县统计</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="104"/>
        <source>Land cover</source>
        <translation>土地覆盖</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/report_actions.py" line="105"/>
        <source>Data quality</source>
        <translation>数据质量</translation>
    </message>
</context>
<context>
    <name>SnappingToolBar</name>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="344"/>
        <source>Snap to: {n} layers</source>
        <translation>捕捉到:{n} 个图层</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="345"/>
        <source>Snap to: {layer}</source>
        <translation>捕捉到:{layer}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="355"/>
        <location filename="../../ecoinv/gui/snapping.py" line="356"/>
        <source>Snapping</source>
        <translation>捕捉</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="357"/>
        <source>Snap new and moved vertices to nearby features</source>
        <translation>将新增和移动的顶点捕捉到附近要素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="358"/>
        <source>Layers to snap to</source>
        <translation>要捕捉的图层</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="361"/>
        <source>Snap to Vertices</source>
        <translation>捕捉顶点</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="362"/>
        <source>Snap to vertices</source>
        <translation>捕捉到顶点</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="363"/>
        <source>Snap to Segments</source>
        <translation>捕捉线段</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="364"/>
        <source>Snap to segments (edges)</source>
        <translation>捕捉到线段(边)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="365"/>
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/snapping.py" line="366"/>
        <source>Snapping tolerance in screen pixels</source>
        <translation>捕捉容差(屏幕像素)</translation>
    </message>
</context>
<context>
    <name>StatsDock</name>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="191"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="192"/>
        <source>Sites</source>
        <translation>处数</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="193"/>
        <source>Area (ha), overlaps once</source>
        <translation>面积(公顷,重叠只计一次)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="194"/>
        <source>Coverage</source>
        <translation>覆盖率</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="195"/>
        <source>Sum of site areas (ha)</source>
        <translation>各处面积之和(公顷)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="196"/>
        <source>Outside the city (ha)</source>
        <translation>市域外(公顷)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="199"/>
        <source>Class</source>
        <translation>地类</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="200"/>
        <source>Patches</source>
        <translation>图斑数</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="201"/>
        <location filename="../../ecoinv/gui/stats_dock.py" line="206"/>
        <source>Area (ha)</source>
        <translation>面积(公顷)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="202"/>
        <source>Share of the city</source>
        <translation>占市域比例</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="205"/>
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="207"/>
        <source>Protected (ha)</source>
        <translation>保护地(公顷)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="208"/>
        <source>Protected</source>
        <translation>保护地占比</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="209"/>
        <source>Forest</source>
        <translation>林地占比</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="210"/>
        <source>Wetland</source>
        <translation>湿地占比</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="211"/>
        <source>Stations</source>
        <translation>站点数</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="240"/>
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="241"/>
        <source>Compute the statistics again</source>
        <translation>重新计算统计</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="242"/>
        <source>Overview</source>
        <translation>概况</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="242"/>
        <source>Categories</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="242"/>
        <source>Land cover</source>
        <translation>土地覆盖</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="243"/>
        <source>Districts</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="246"/>
        <source>City area</source>
        <translation>市域面积</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="247"/>
        <source>Protected sites</source>
        <translation>保护地数量</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="248"/>
        <source>Protected area (overlaps counted once)</source>
        <translation>保护地面积(重叠只计一次)</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="249"/>
        <source>Protected-area coverage</source>
        <translation>保护地覆盖率</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="250"/>
        <source>Overlap between sites</source>
        <translation>保护地之间重叠</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="251"/>
        <source>Forest coverage</source>
        <translation>森林覆盖率</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="252"/>
        <source>Wetland area</source>
        <translation>湿地面积</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="253"/>
        <source>Grassland area</source>
        <translation>草地面积</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="254"/>
        <source>Monitoring stations</source>
        <translation>监测站点</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="342"/>
        <source>The statistics could not be computed: {error}</source>
        <translation>无法计算统计:{error}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="355"/>
        <source>No inventory open.</source>
        <translation>未打开清单。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="357"/>
        <source>Computing…</source>
        <translation>正在计算…</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="359"/>
        <source>Out of date: shown again when this panel is open.</source>
        <translation>数据已变化:打开此面板时重新计算。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="361"/>
        <source>Up to date (computed {time}).</source>
        <translation>已是最新({time} 计算)。</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="371"/>
        <source>{km2} km²</source>
        <translation>{km2} 平方千米</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="374"/>
        <location filename="../../ecoinv/gui/stats_dock.py" line="376"/>
        <location filename="../../ecoinv/gui/stats_dock.py" line="379"/>
        <location filename="../../ecoinv/gui/stats_dock.py" line="380"/>
        <source>{ha} ha</source>
        <translation>{ha} 公顷</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/stats_dock.py" line="393"/>
        <source>Geodesic areas on the {ellipsoid} ellipsoid; overlapping sites counted once; clipped to the city boundary.</source>
        <translation>面积按 {ellipsoid} 椭球面计算;重叠的保护地只计一次;按市域边界裁切。</translation>
    </message>
</context>
<context>
    <name>StyleDialog</name>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="367"/>
        <source>Style — {name}</source>
        <translation>样式 — {name}</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="383"/>
        <source>Fill colour</source>
        <translation>填充颜色</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="384"/>
        <source>Fill opacity</source>
        <translation>填充不透明度</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="385"/>
        <source>Outline colour</source>
        <translation>边线颜色</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="386"/>
        <source>Outline width</source>
        <translation>边线宽度</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="406"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/layers_panel.py" line="410"/>
        <source>Choose a colour</source>
        <translation>选择颜色</translation>
    </message>
</context>
<context>
    <name>UndoHistoryDock</name>
    <message>
        <location filename="../../ecoinv/gui/undo_panel.py" line="103"/>
        <source>Undo History</source>
        <translation>撤销历史</translation>
    </message>
    <message>
        <location filename="../../ecoinv/gui/undo_panel.py" line="104"/>
        <source>Every edit, oldest first; click a step to go back or forward to it</source>
        <translation>所有编辑,最早的在前;单击某一步可撤销或重做到该步</translation>
    </message>
</context>
<context>
    <name>UndoStackModel</name>
    <message>
        <location filename="../../ecoinv/gui/undo_panel.py" line="43"/>
        <source>&lt;as opened&gt;</source>
        <translation>&lt;打开时&gt;</translation>
    </message>
</context>
</TS>
